// The one IP/CIDR module: IPv4/IPv6 addresses and CIDRs parsed into network-order bytes and
// formatted back. Validation (config, object fields, policy CIDRs), translation and the datapath
// all read addresses through it, so a text one of them accepts is accepted by all.
export type Family = 4 | 6;

export interface Ip {
  family: Family;
  bytes: Uint8Array;
}

export interface Cidr extends Ip {
  bits: number;
}

function parseV4(s: string): Uint8Array | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? "";
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  // A dotted IPv4 tail is allowed only at the very end ("::ffff:1.2.3.4", not "1.2.3.4::1").
  const groups = (h: string, last: boolean): number[] | undefined => {
    if (h === "") return [];
    const out: number[] = [];
    const items = h.split(":");
    for (let i = 0; i < items.length; i++) {
      const it = items[i] ?? "";
      if (last && i === items.length - 1 && it.includes(".")) {
        const v4 = parseV4(it);
        if (!v4) return undefined;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
      out.push(parseInt(it, 16));
    }
    return out;
  };
  const head = groups(halves[0] ?? "", halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1] ?? "", true) : [];
  if (!head || !tail) return undefined;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return undefined;
    all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    all = head;
  }
  if (all.length !== 8) return undefined;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

export function parseIp(s: string): Ip | undefined {
  const v4 = parseV4(s);
  if (v4) return { family: 4, bytes: v4 };
  if (s.includes(":")) {
    const v6 = parseV6(s);
    if (v6) return { family: 6, bytes: v6 };
  }
  return undefined;
}

/** "10.0.0.0/8", "2001:db8::/32"; a bare address is a host route. hostBits tells whether bits past the prefix were set (they are cleared). */
export function parseCidr(s: string): (Cidr & { hostBits: boolean }) | undefined {
  const slash = s.indexOf("/");
  const ip = parseIp(slash < 0 ? s : s.slice(0, slash));
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = s.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(b)) return undefined;
    bits = Number(b);
    if (bits > max) return undefined;
  }
  const bytes = ip.bytes.slice();
  let hostBits = false;
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    const b = bytes[i] ?? 0;
    if ((b & ~mask & 0xff) !== 0) hostBits = true;
    bytes[i] = b & mask;
  }
  return { family: ip.family, bytes, bits, hostBits };
}

export function formatIp(family: Family, bytes: Uint8Array): string {
  if (family === 4) return Array.from(bytes.subarray(0, 4)).join(".");
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0));
  // longest run of zero groups (length >= 2) becomes "::"
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.bytes)}/${c.bits}`;
}

export function isIPv4(v: string): boolean {
  return parseIp(v)?.family === 4;
}

export function isIPv6(v: string): boolean {
  return parseIp(v)?.family === 6;
}

export function isIP(v: string): boolean {
  return parseIp(v) !== undefined;
}

/** The canonical text of an IPv6 address (RFC 5952: "0:0:0:0:0:0:0:1" -> "::1"); the input when it is not one. */
export function canonicalIp(v: string): string {
  const ip = parseIp(v);
  return ip ? formatIp(ip.family, ip.bytes) : v;
}
