// Port ranges for sk_lookup (eg_ranges): a steering target [port, portEnd] is stored as the few
// port prefixes that cover it exactly in an LPM trie, all carrying one value and one counter slot.
// Reconciled like the other maps (adds and rewrites first, stale prefixes removed last), but per
// range rather than per key: a range that grows or shrinks keeps its slot and its counters.
import type { SteeringTarget } from "../ir/datapath.ts";
import { formatIp, type Family } from "../net/ip.ts";
import { decodeRangeVal, hex, portPrefixes, portText, rangeKey, rangeVal, sameBytes, type Protocol } from "./layout.ts";
import type { Change, MapIo, Slots } from "./reconcile.ts";

export interface DesiredRange {
  label: string;
  family: Family;
  protocol: Protocol;
  addr: Uint8Array;
  first: number;
  last: number;
  keys: Uint8Array[];
  /** eg_steer_val bytes for the slot. */
  steer: (slot: number) => Uint8Array;
}

const valid = (p: number | undefined): p is number => typeof p === "number" && Number.isInteger(p) && p >= 1 && p <= 65535;

/** Adds t's range to `ranges`, or returns why it cannot be steered (bad bounds, overlap). */
export function desiredRange(
  t: SteeringTarget,
  ip: { family: Family; bytes: Uint8Array },
  to: string,
  steer: (slot: number) => Uint8Array,
  ranges: Map<string, DesiredRange>,
): string | undefined {
  const protocol = t.protocol ?? "TCP";
  const where = `${formatIp(ip.family, ip.bytes)}${portText(`${t.port}-${t.portEnd}`, protocol)}`;
  const name = `${t.gateway}/${t.listener}`;
  if (!valid(t.portEnd) || t.portEnd < t.port) return `steering ${name}: bad port range ${where}`;
  // the LPM trie answers with the most specific prefix, so overlapping ranges on one address
  // would each win part of the other: refused instead
  for (const r of ranges.values()) {
    if (r.family !== ip.family || r.protocol !== protocol || !sameBytes(r.addr, ip.bytes) || r.last < t.port || r.first > t.portEnd) continue;
    if (r.first === t.port && r.last === t.portEnd && r.label.endsWith(` -> ${to}`)) {
      if (!r.label.split(" ")[1]!.split(",").includes(name)) r.label = r.label.replace(/^steer (\S+)/, `steer $1,${name}`);
      return undefined;
    }
    return `steering ${name}: port range ${where} overlaps ${r.label}`;
  }
  const keys = portPrefixes(t.port, t.portEnd).map((p) => rangeKey(ip.family, ip.bytes, p.port, p.bits, protocol));
  ranges.set(`${ip.family}/${protocol}/${hex(ip.bytes)}/${t.port}-${t.portEnd}`, {
    label: `steer ${name} ${where} -> ${to}`,
    family: ip.family,
    protocol,
    addr: ip.bytes,
    first: t.port,
    last: t.portEnd,
    keys,
    steer,
  });
  return undefined;
}

export const rangeSlot = (v: Uint8Array): number => decodeRangeVal(v).slot;

/**
 * Writes every desired range (a range keeps the slot any of its current prefixes has, so a
 * resized range keeps its counter) and returns the removal step, to run after the steering
 * removals: it deletes prefixes no range wants and frees slots no range uses any more.
 */
export function reconcileRanges(
  m: MapIo,
  actual: Map<string, { key: Uint8Array; value: Uint8Array }>,
  want: Map<string, DesiredRange>,
  slots: Slots,
  ch: Change,
): () => void {
  const wanted = new Set<string>();
  const live = new Set<number>();
  for (const r of want.values()) {
    let slot: number | undefined;
    for (const k of r.keys) {
      const a = actual.get(hex(k));
      const v = a ? decodeRangeVal(a.value) : undefined;
      if (v && !live.has(v.slot)) {
        slot = v.slot;
        break;
      }
    }
    if (slot === undefined) slot = slots.alloc(r.label);
    else slots.relabel(slot, r.label);
    live.add(slot);
    const value = rangeVal(r.steer(slot), r.first, r.last);
    for (const k of r.keys) {
      const h = hex(k);
      wanted.add(h);
      const a = actual.get(h);
      if (a && sameBytes(a.value, value)) continue;
      m.update(k, value);
      if (a) ch.updated++;
      else ch.added++;
    }
  }
  return () => {
    for (const [h, a] of actual) {
      if (wanted.has(h)) continue;
      if (m.delete(a.key)) ch.removed++;
      const s = rangeSlot(a.value);
      if (!live.has(s)) slots.free(s);
    }
  };
}
