// exposure.addressPool: the addresses handed to Gateways that have no spec.addresses. One parser for
// the check at load (which names the bad entry) and the expansion translate uses, both on the IP
// module's parser (src/net/ip.ts), so an entry that loads always expands to what it says.
import { formatCidr, parseCidr, parseIp } from "./ip.ts";

/** A pool is expanded to at most this many addresses (an IPv4 /16). */
export const MAX_POOL_ADDRESSES = 65536;

/** One entry: "192.0.2.7", "2001:db8::7", "10.0.0.1-10.0.0.9" (IPv4) or "10.0.0.0/30" (IPv4, /16 to /32). */
export function parsePoolEntry(text: string): { addresses: string[] } | { error: string } {
  const shape = `${JSON.stringify(text)} is not an IP address, an IPv4 range (A-B) or an IPv4 CIDR of /16 to /32`;
  const dash = text.indexOf("-");
  if (dash >= 0) {
    const [a, b] = [parseIp(text.slice(0, dash)), parseIp(text.slice(dash + 1))];
    if (a?.family !== 4 || b?.family !== 4) return { error: shape };
    const [first, last] = [v4(a.bytes), v4(b.bytes)];
    if (first > last) return { error: `${JSON.stringify(text)}: the range ends before it starts` };
    if (last - first >= MAX_POOL_ADDRESSES) return { error: `${JSON.stringify(text)}: more than ${MAX_POOL_ADDRESSES} addresses` };
    return { addresses: v4Run(first, last - first + 1) };
  }
  if (text.includes("/")) {
    const c = parseCidr(text);
    if (c?.family !== 4 || c.bits < 16) return { error: shape };
    if (c.hostBits) return { error: `${JSON.stringify(text)} has bits set past the /${c.bits} prefix (did you mean ${formatCidr(c)}?)` };
    return { addresses: v4Run(v4(c.bytes), 2 ** (32 - c.bits)) };
  }
  // As written: the pool is matched against spec.addresses as text.
  return parseIp(text) ? { addresses: [text] } : { error: shape };
}

// The last expansion per pool: the configuration is immutable, so its pool is expanded once and
// not again on every compile (a /16 is 65536 strings).
const expanded = new WeakMap<readonly string[], readonly string[]>();

/** Every address of the pool, in order, at most MAX_POOL_ADDRESSES; entries that do not parse are skipped (load refuses them). */
export function expandPool(entries: readonly string[]): readonly string[] {
  const known = expanded.get(entries);
  if (known) return known;
  const out: string[] = [];
  for (const e of entries) {
    const r = parsePoolEntry(e);
    if ("addresses" in r) for (const a of r.addresses) if (out.length < MAX_POOL_ADDRESSES) out.push(a);
  }
  expanded.set(entries, out);
  return out;
}

const v4 = (bytes: Uint8Array): number => (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;

function v4Run(first: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const v = (first + i) >>> 0;
    out.push(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`);
  }
  return out;
}
