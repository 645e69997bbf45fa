// The addresses a Gateway is served on: spec.addresses (IPAddress), else the lb-ipam-ips annotation,
// else one from the configured
// pool (like a LoadBalancer IPAM, so several Gateways can share port 80 on one node), else the
// exposure bind address with the node's addresses reported in status.
import type { Gateway } from "../kinds/gateway-api.ts";
import { isIP } from "../net/ip.ts";

export interface AddressOptions {
  bindAddress: string;
  nodeAddresses: readonly string[];
  pool: readonly string[];
}

export interface GatewayAddresses {
  /** Addresses Envoy binds; the first is the listener's address. */
  bind: string[];
  /** What status.addresses reports. */
  reported: string[];
  /** spec.addresses entries of a type edgegate does not support (Accepted=False UnsupportedAddress). */
  unsupported: string[];
  /** Supported entries this node cannot serve (Programmed=False AddressNotUsable). */
  unusable: string[];
  /** Said in the Accepted condition's message (an address annotation ignored, and why). */
  notes: string[];
}

/**
 * Cilium's LB-IPAM annotation on spec.infrastructure, and edgegate's own name for it (which wins):
 * the addresses a Gateway asks for when spec.addresses is empty. Cilium users bring it as is.
 */
export const ADDRESS_ANNOTATIONS = ["edgegate.io/lb-ipam-ips", "io.cilium/lb-ipam-ips"] as const;

/** spec.addresses, else the annotation's comma-separated IPs (IPv4 and IPv6) as IPAddress entries. */
function requested(gw: Gateway): { addresses: Array<{ type?: string; value?: string }>; notes: string[] } {
  const ann = gw.spec.infrastructure?.annotations ?? {};
  const name = ADDRESS_ANNOTATIONS.find((a) => ann[a] !== undefined);
  const spec = gw.spec.addresses ?? [];
  if (!name) return { addresses: spec, notes: [] };
  if (spec.length > 0) return { addresses: spec, notes: [`spec.infrastructure.annotations ${name} is ignored because spec.addresses is set`] };
  const values = ann[name]!.split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  return { addresses: values.map((value) => ({ type: "IPAddress", value })), notes: [] };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * An IP this node may serve: one of the pool, a node address, or the exposure bind address.
 * Anything else would never reach Envoy, so claiming it would be a lie in status.
 */
function usable(ip: string, o: AddressOptions): boolean {
  return o.pool.includes(ip) || o.nodeAddresses.includes(ip) || o.bindAddress === ip;
}

/**
 * Assigns addresses in Gateway age order. Static spec.addresses are reserved first so the pool
 * never hands them to another Gateway; an IPAddress entry without a value asks for one from the
 * pool (GatewayOptionalAddressValue); each Gateway hashes to a stable first pool choice.
 */
export function assignAddresses(gateways: readonly Gateway[], o: AddressOptions): Map<Gateway, GatewayAddresses> {
  const out = new Map<Gateway, GatewayAddresses>();
  const taken = new Set<string>();
  const wanted = new Map<Gateway, { ips: string[]; wantsPool: boolean; unsupported: string[]; unusable: string[]; notes: string[] }>();
  for (const gw of gateways) {
    const req = requested(gw);
    const r = { ips: [] as string[], wantsPool: req.addresses.length === 0, unsupported: [] as string[], unusable: [] as string[], notes: req.notes };
    for (const a of req.addresses) {
      const type = a.type ?? "IPAddress";
      const value = a.value ?? "";
      if (type !== "IPAddress") r.unsupported.push(`${type} ${value}: only IPAddress addresses are supported`);
      else if (value === "") r.wantsPool = true;
      else if (!isIP(value)) r.unsupported.push(`${value} is not an IP address`);
      else if (!usable(value, o)) r.unusable.push(`${value} is neither in exposure.addressPool nor an address of this node`);
      else {
        r.ips.push(value);
        taken.add(value);
      }
    }
    wanted.set(gw, r);
  }
  for (const gw of gateways) {
    const r = wanted.get(gw)!;
    const base = { unsupported: r.unsupported, unusable: r.unusable, notes: r.notes };
    if (r.ips.length > 0 && !r.wantsPool) {
      out.set(gw, { bind: r.ips, reported: r.ips, ...base });
      continue;
    }
    if (o.pool.length > 0) {
      const start = hash(`${gw.metadata.namespace}/${gw.metadata.name}`) % o.pool.length;
      for (let i = 0; i < o.pool.length; i++) {
        const ip = o.pool[(start + i) % o.pool.length]!;
        if (!taken.has(ip)) {
          taken.add(ip);
          out.set(gw, { bind: [...r.ips, ip], reported: [...r.ips, ip], ...base });
          break;
        }
      }
      if (out.has(gw)) continue;
      r.unusable.push("the address pool is exhausted");
    }
    if (r.ips.length > 0) out.set(gw, { bind: r.ips, reported: r.ips, ...base });
    else out.set(gw, { bind: [o.bindAddress], reported: [...o.nodeAddresses], ...base });
  }
  return out;
}
