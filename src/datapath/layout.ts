// Byte encodings of the map keys and values declared in bpf/edgegate.h. Offsets are listed in
// LAYOUT so tests/datapath/layout.test.ts can compare them with what clang computes.
import type { Cidr, Family } from "../net/ip.ts";

export const FAMILY_ANY = 0;
/**
 * Protocol byte of the steering, listener, range and policy keys (EG_PROTO_* in edgegate.h). TCP
 * is 0: the layout before UDP steering had a zeroed pad byte there, so its pinned entries mean TCP.
 */
export const PROTO = { TCP: 0, UDP: 1 } as const;
export type Protocol = keyof typeof PROTO;
/** ":53/udp" for UDP, ":80" for TCP: labels and problems name the protocol only when it is not TCP. */
export const portText = (port: number | string, protocol: Protocol | undefined): string => `:${port}${protocol === "UDP" ? "/udp" : ""}`;
export const ACTION_ALLOW = 1;
export const ACTION_DENY = 2;
export const SLOT = { noListener: 0, assignError: 1, egressDenied: 2, firstDynamic: 16, max: 131072 } as const;
export const LABEL_LEN = 96;
/** Bits of an eg_range_key prefix before the port: family + pad (32) and the address (128). */
export const RANGE_PREFIX_BASE = 160;

export const LAYOUT = {
  eg_steer_key: { size: 20, family: 0, protocol: 1, port: 2, addr: 4 },
  eg_steer_val: { size: 40, family: 0, envoy_port: 2, slot: 4, envoy_addr: 8, listener_addr: 24 },
  eg_listener_key: { size: 20, family: 0, protocol: 1, port: 2, addr: 4 },
  eg_range_key: { size: 28, prefixlen: 0, family: 4, protocol: 5, addr: 8, port: 24 },
  eg_range_val: { size: 44, steer: 0, first_port: 40, last_port: 42 },
  eg_policy_key: { size: 20, family: 0, protocol: 1, port: 2, addr: 4 },
  eg_policy_val: { size: 12, policy_id: 0, default_action: 4, default_slot: 8 },
  eg_cidr4_key: { size: 12, prefixlen: 0, policy_id: 4, addr: 8 },
  eg_cidr6_key: { size: 24, prefixlen: 0, policy_id: 4, addr: 8 },
  eg_rule_val: { size: 8, action: 0, slot: 4 },
  eg_egress4_key: { size: 12, prefixlen: 0, port: 4, addr: 8 },
  eg_egress6_key: { size: 24, prefixlen: 0, port: 4, addr: 8 },
  eg_egress_val: { size: 4, slot: 0 },
  eg_counter: { size: 16, conns: 0, packets: 8 },
  eg_label: { size: LABEL_LEN, text: 0 },
} as const;

const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** (family, protocol, port, address) key of eg_steer and eg_policy. family 0 with no address = every address. */
export function addrPortKey(family: Family | typeof FAMILY_ANY, port: number, addr?: Uint8Array, protocol: Protocol = "TCP"): Uint8Array {
  const L = LAYOUT.eg_steer_key;
  const b = new Uint8Array(L.size);
  b[L.family] = family;
  b[L.protocol] = PROTO[protocol];
  dv(b).setUint16(L.port, port, false);
  if (addr) b.set(addr, L.addr);
  return b;
}

export function decodeAddrPortKey(b: Uint8Array): { family: number; protocol: Protocol; port: number; addr: Uint8Array } {
  const L = LAYOUT.eg_steer_key;
  const family = b[L.family] ?? 0;
  const protocol = b[L.protocol] === PROTO.UDP ? "UDP" : "TCP";
  return { family, protocol, port: dv(b).getUint16(L.port, false), addr: b.slice(L.addr, L.addr + (family === 4 ? 4 : 16)) };
}

export interface SteerVal {
  family: number;
  envoyPort: number;
  slot: number;
  envoyAddr: Uint8Array;
  /** Address part of the eg_listeners key sk_lookup uses (edgegate.h). */
  listenerAddr: Uint8Array;
}

export function steerVal(family: Family, envoyPort: number, slot: number, envoyAddr: Uint8Array, listenerAddr: Uint8Array): Uint8Array {
  const L = LAYOUT.eg_steer_val;
  const b = new Uint8Array(L.size);
  b[L.family] = family;
  dv(b).setUint16(L.envoy_port, envoyPort, false);
  dv(b).setUint32(L.slot, slot, true);
  b.set(envoyAddr, L.envoy_addr);
  b.set(listenerAddr, L.listener_addr);
  return b;
}

export function decodeSteerVal(b: Uint8Array): SteerVal {
  const L = LAYOUT.eg_steer_val;
  const family = b[L.family] ?? 0;
  const n = family === 4 ? 4 : 16;
  return {
    family,
    envoyPort: dv(b).getUint16(L.envoy_port, false),
    slot: dv(b).getUint32(L.slot, true),
    envoyAddr: b.slice(L.envoy_addr, L.envoy_addr + n),
    listenerAddr: b.slice(L.listener_addr, L.listener_addr + n),
  };
}

/** One port prefix of a range: `bits` leading bits of `port` (16 = exactly that port). */
export function rangeKey(family: Family, addr: Uint8Array, port: number, bits: number, protocol: Protocol = "TCP"): Uint8Array {
  const L = LAYOUT.eg_range_key;
  const b = new Uint8Array(L.size);
  dv(b).setUint32(L.prefixlen, RANGE_PREFIX_BASE + bits, true);
  b[L.family] = family;
  b[L.protocol] = PROTO[protocol];
  b.set(addr, L.addr);
  dv(b).setUint16(L.port, port, false);
  return b;
}

export function rangeVal(steer: Uint8Array, firstPort: number, lastPort: number): Uint8Array {
  const L = LAYOUT.eg_range_val;
  const b = new Uint8Array(L.size);
  b.set(steer, L.steer);
  dv(b).setUint16(L.first_port, firstPort, false);
  dv(b).setUint16(L.last_port, lastPort, false);
  return b;
}

export function decodeRangeVal(b: Uint8Array): SteerVal & { firstPort: number; lastPort: number } {
  const L = LAYOUT.eg_range_val;
  return {
    ...decodeSteerVal(b.subarray(L.steer, L.steer + LAYOUT.eg_steer_val.size)),
    firstPort: dv(b).getUint16(L.first_port, false),
    lastPort: dv(b).getUint16(L.last_port, false),
  };
}

/**
 * The fewest port prefixes covering [lo, hi] exactly (at most 30 for 1-65535): from lo, the
 * largest aligned block that does not pass hi, repeatedly.
 */
export function portPrefixes(lo: number, hi: number): Array<{ port: number; bits: number }> {
  const out: Array<{ port: number; bits: number }> = [];
  let p = lo;
  while (p <= hi) {
    let size = 1;
    while (size < 65536 && p % (size * 2) === 0 && p + size * 2 - 1 <= hi) size *= 2;
    out.push({ port: p, bits: 16 - Math.log2(size) });
    p += size;
  }
  return out;
}

export function policyVal(policyId: number, defaultAction: number, defaultSlot: number): Uint8Array {
  const L = LAYOUT.eg_policy_val;
  const b = new Uint8Array(L.size);
  dv(b).setUint32(L.policy_id, policyId, true);
  b[L.default_action] = defaultAction;
  dv(b).setUint32(L.default_slot, defaultSlot, true);
  return b;
}

export function decodePolicyVal(b: Uint8Array): { policyId: number; defaultAction: number; defaultSlot: number } {
  const L = LAYOUT.eg_policy_val;
  return { policyId: dv(b).getUint32(L.policy_id, true), defaultAction: b[L.default_action] ?? 0, defaultSlot: dv(b).getUint32(L.default_slot, true) };
}

/** LPM key of eg_cidr4/eg_cidr6: the policy id is part of the matched prefix. */
export function cidrKey(policyId: number, c: Cidr): Uint8Array {
  const L = c.family === 4 ? LAYOUT.eg_cidr4_key : LAYOUT.eg_cidr6_key;
  const b = new Uint8Array(L.size);
  dv(b).setUint32(L.prefixlen, 32 + c.bits, true);
  dv(b).setUint32(L.policy_id, policyId, true);
  b.set(c.bytes, L.addr);
  return b;
}

export function decodeCidrKey(b: Uint8Array): { policyId: number; cidr: Cidr } {
  const family: Family = b.length === LAYOUT.eg_cidr4_key.size ? 4 : 6;
  const L = LAYOUT.eg_cidr4_key;
  return {
    policyId: dv(b).getUint32(L.policy_id, true),
    cidr: { family, bits: dv(b).getUint32(L.prefixlen, true) - 32, bytes: b.slice(L.addr) },
  };
}

export function ruleVal(action: number, slot: number): Uint8Array {
  const L = LAYOUT.eg_rule_val;
  const b = new Uint8Array(L.size);
  b[L.action] = action;
  dv(b).setUint32(L.slot, slot, true);
  return b;
}

export function decodeRuleVal(b: Uint8Array): { action: number; slot: number } {
  return { action: b[LAYOUT.eg_rule_val.action] ?? 0, slot: dv(b).getUint32(LAYOUT.eg_rule_val.slot, true) };
}

/** LPM key of eg_egress4/eg_egress6: port (0 = any) and padding are part of the matched prefix. */
export function egressKey(c: Cidr, port: number): Uint8Array {
  const L = c.family === 4 ? LAYOUT.eg_egress4_key : LAYOUT.eg_egress6_key;
  const b = new Uint8Array(L.size);
  dv(b).setUint32(L.prefixlen, 32 + c.bits, true);
  dv(b).setUint16(L.port, port, false);
  b.set(c.bytes, L.addr);
  return b;
}

export function decodeEgressKey(b: Uint8Array): { cidr: Cidr; port: number } {
  const family: Family = b.length === LAYOUT.eg_egress4_key.size ? 4 : 6;
  const L = LAYOUT.eg_egress4_key;
  return { cidr: { family, bits: dv(b).getUint32(L.prefixlen, true) - 32, bytes: b.slice(L.addr) }, port: dv(b).getUint16(L.port, false) };
}

export function egressVal(slot: number): Uint8Array {
  const b = new Uint8Array(LAYOUT.eg_egress_val.size);
  dv(b).setUint32(0, slot, true);
  return b;
}

export function decodeSlot32(b: Uint8Array, offset = 0): number {
  return dv(b).getUint32(offset, true);
}

export function u32Key(n: number): Uint8Array {
  const b = new Uint8Array(4);
  dv(b).setUint32(0, n, true);
  return b;
}

export function decodeCounter(b: Uint8Array): { conns: number; packets: number } {
  return { conns: Number(dv(b).getBigUint64(0, true)), packets: Number(dv(b).getBigUint64(8, true)) };
}

export function labelVal(text: string): Uint8Array {
  const b = new Uint8Array(LABEL_LEN);
  const enc = new TextEncoder().encode(text);
  b.set(enc.subarray(0, LABEL_LEN - 1));
  return b;
}

export function decodeLabel(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}

/** Key of eg_listeners (sk_lookup mode): Envoy socket family, protocol, port and slot address. */
export function listenerKey(family: Family, envoyPort: number, addr: Uint8Array, protocol: Protocol = "TCP"): Uint8Array {
  const L = LAYOUT.eg_listener_key;
  const b = new Uint8Array(L.size);
  b[L.family] = family;
  b[L.protocol] = PROTO[protocol];
  dv(b).setUint16(L.port, envoyPort, false);
  b.set(addr, L.addr);
  return b;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
