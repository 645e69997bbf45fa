// Incremental reconciliation of the BPF maps with a DatapathIntent. The maps themselves are the
// state: each run reads what the kernel holds (so a restarted edgegate adopts what an earlier one
// left), computes the wanted entries, then adds and updates before it removes, in an order where a
// packet never sees a half-built policy. Nothing is ever cleared and refilled.
import type { DatapathIntent, SteeringTarget } from "../ir/datapath.ts";
import { formatCidr, formatIp, parseCidr, parseIp, type Cidr, type Family } from "../net/ip.ts";
import {
  ACTION_ALLOW,
  ACTION_DENY,
  FAMILY_ANY,
  SLOT,
  LAYOUT,
  type Protocol,
  addrPortKey,
  portText,
  cidrKey,
  decodeCidrKey,
  decodePolicyVal,
  decodeRuleVal,
  decodeSlot32,
  decodeSteerVal,
  decodeLabel,
  egressKey,
  egressVal,
  hex,
  labelVal,
  policyVal,
  ruleVal,
  sameBytes,
  steerVal,
  u32Key,
} from "./layout.ts";
import { desiredRange, reconcileRanges, rangeSlot, type DesiredRange } from "./ranges.ts";

/** What reconciliation needs from a map (BpfMap in production, an in-memory fake in unit tests). */
export interface MapIo {
  readonly name: string;
  keys(): Uint8Array[];
  lookup(key: Uint8Array): Uint8Array | undefined;
  update(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): boolean;
}

export interface IngressMaps {
  steer: MapIo;
  /** sk_lookup port ranges; absent in callers that predate them (unit tests of single ports). */
  ranges?: MapIo;
  policy: MapIo;
  cidr4: MapIo;
  cidr6: MapIo;
}
export interface EgressMaps {
  egress4: MapIo;
  egress6: MapIo;
}
export interface SharedMaps {
  counters: MapIo;
  labels: MapIo;
}

export interface Change {
  added: number;
  updated: number;
  removed: number;
}
export interface ReconcileResult {
  maps: Record<string, Change>;
  /** Intent entries that could not be encoded (bad address, duplicate target); skipped. */
  problems: string[];
}

// ---------------------------------------------------------------------------- desired state (pure)

interface Entry {
  key: Uint8Array;
  label: string;
  /** Value bytes for the slot (and the policy id for rules). */
  value: (slot: number) => Uint8Array;
}

interface DesiredPolicy {
  key: Uint8Array;
  label: string;
  defaultAction: number;
  rules: Map<string, { cidr: Cidr; action: number; label: string }>;
}

export interface Desired {
  steer: Map<string, Entry>;
  ranges: Map<string, DesiredRange>;
  policies: Map<string, DesiredPolicy>;
  egress4: Map<string, Entry>;
  egress6: Map<string, Entry>;
  problems: string[];
}

function defaultEnvoyAddr(t: SteeringTarget, family: Family): { family: Family; bytes: Uint8Array } | undefined {
  if (t.envoyAddress === undefined || t.envoyAddress === "") {
    return family === 4 ? { family: 4, bytes: new Uint8Array([127, 0, 0, 1]) } : { family: 6, bytes: parseIp("::1")!.bytes };
  }
  return parseIp(t.envoyAddress);
}

/**
 * The sk_lookup listener slot a target steers to: (family of Envoy's socket, Envoy port, address).
 * The address is the explicit envoyAddress, else the steered address itself, so that Gateways
 * sharing a port on different addresses (an address pool) reach their own Envoy sockets.
 * `implicit` says no envoyAddress was given: the registrar may then also take a loopback socket
 * (where tc mode looks by default). src/datapath/envoy-sockets.ts fills the slots; both use this.
 */
export function listenerSlot(
  t: SteeringTarget,
): { family: Family; protocol: Protocol; address: string; bytes: Uint8Array; port: number; implicit: boolean } | undefined {
  const ip = parseIp(t.address);
  if (!ip) return undefined;
  const implicit = t.envoyAddress === undefined || t.envoyAddress === "";
  const slot = implicit ? ip : parseIp(t.envoyAddress!);
  if (!slot) return undefined;
  return { family: slot.family, protocol: t.protocol ?? "TCP", address: formatIp(slot.family, slot.bytes), bytes: slot.bytes, port: t.envoyPort, implicit };
}

const portOk = (p: number | undefined): p is number => typeof p === "number" && Number.isInteger(p) && p >= 1 && p <= 65535;

export function desiredState(intent: DatapathIntent, extraEgress: DatapathIntent["egress"] = []): Desired {
  const problems: string[] = [];
  const steer = new Map<string, Entry>();
  const ranges = new Map<string, DesiredRange>();
  for (const t of intent.steering) {
    const ip = parseIp(t.address);
    const env = ip ? defaultEnvoyAddr(t, ip.family) : undefined;
    if (!ip || !env || !portOk(t.port) || !portOk(t.envoyPort)) {
      problems.push(`steering ${t.gateway}/${t.listener}: bad address or port ${t.address}:${t.port} -> ${t.envoyAddress ?? ""}:${t.envoyPort}`);
      continue;
    }
    if (env.family === 4 && ip.family === 6) {
      problems.push(`steering ${t.gateway}/${t.listener}: IPv6 address ${t.address} cannot be steered to IPv4 listener ${t.envoyAddress}`);
      continue;
    }
    const lsn = listenerSlot(t)!;
    const value = (slot: number): Uint8Array => steerVal(env.family, t.envoyPort, slot, env.bytes, lsn.bytes);
    const to = `${formatIp(env.family, env.bytes)}:${t.envoyPort}`;
    if (t.portEnd !== undefined && t.portEnd !== t.port && t.protocol === "UDP") {
      // a datagram's answer leaves from the socket's own port, not the one the client sent to
      problems.push(
        `steering ${t.gateway}/${t.listener}: UDP port range ${t.address}:${t.port}-${t.portEnd} is not steered: Envoy would answer from port ${t.envoyPort}`,
      );
      continue;
    }
    if (t.portEnd !== undefined && t.portEnd !== t.port) {
      const r = desiredRange(t, ip, to, value, ranges);
      if (typeof r === "string") problems.push(r);
      continue;
    }
    const key = addrPortKey(ip.family, t.port, ip.bytes, t.protocol);
    const k = hex(key);
    const prev = steer.get(k);
    if (prev) {
      // several listeners sharing one address:port and Envoy socket: one entry, named after all
      if (prev.label.endsWith(` -> ${to}`)) {
        const name = `${t.gateway}/${t.listener}`;
        if (!prev.label.split(" ")[1]!.split(",").includes(name)) prev.label = prev.label.replace(/^steer (\S+)/, `steer $1,${name}`);
      } else problems.push(`steering ${t.gateway}/${t.listener}: ${t.address}${portText(t.port, t.protocol)} is already steered elsewhere (${prev.label})`);
      continue;
    }
    const label = `steer ${t.gateway}/${t.listener} ${formatIp(ip.family, ip.bytes)}${portText(t.port, t.protocol)} -> ${to}`;
    steer.set(k, { key, label, value });
  }

  const policies = new Map<string, DesiredPolicy>();
  for (const p of intent.policies) {
    const ip = p.address ? parseIp(p.address) : undefined;
    if ((p.address && !ip) || !portOk(p.port)) {
      problems.push(`policy ${p.policy}: bad address or port ${p.address ?? "*"}:${p.port}`);
      continue;
    }
    const key = ip ? addrPortKey(ip.family, p.port, ip.bytes, p.protocol) : addrPortKey(FAMILY_ANY, p.port, undefined, p.protocol);
    const k = hex(key);
    const where = `${ip ? formatIp(ip.family, ip.bytes) : "*"}${portText(p.port, p.protocol)}`;
    let d = policies.get(k);
    const def = p.defaultAction === "deny" ? ACTION_DENY : ACTION_ALLOW;
    if (!d) {
      d = { key, label: `${p.policy} ${where} default`, defaultAction: def, rules: new Map() };
      policies.set(k, d);
    } else {
      // several policies on one port: their rules merge, and the stricter default wins
      if (def === ACTION_DENY) d.defaultAction = ACTION_DENY;
      if (!d.label.includes(p.policy)) d.label = `${d.label.replace(/ \S+ default$/, "")},${p.policy} ${where} default`;
    }
    for (const r of p.rules) {
      const c = parseCidr(r.cidr);
      if (!c) {
        problems.push(`policy ${p.policy}: bad CIDR ${r.cidr}`);
        continue;
      }
      const action = r.action === "deny" ? ACTION_DENY : ACTION_ALLOW;
      const rk = `${c.family}/${hex(c.bytes)}/${c.bits}`;
      const prev = d.rules.get(rk);
      // the same CIDR allowed and denied: deny wins
      if (prev && prev.action === ACTION_DENY) continue;
      d.rules.set(rk, { cidr: c, action, label: `${p.policy} ${where} ${r.action} ${formatCidr(c)}` });
    }
  }

  const egress4 = new Map<string, Entry>();
  const egress6 = new Map<string, Entry>();
  for (const e of [...extraEgress, ...intent.egress]) {
    const c = parseCidr(e.cidr);
    const port = e.port ?? 0;
    if (!c || !(port === 0 || portOk(port))) {
      problems.push(`egress ${e.reason}: bad CIDR or port ${e.cidr}:${e.port ?? "*"}`);
      continue;
    }
    const key = egressKey(c, port);
    const target = c.family === 4 ? egress4 : egress6;
    const k = hex(key);
    if (target.has(k)) continue;
    target.set(k, { key, label: `egress ${formatCidr(c)}:${port || "*"} ${e.reason}`, value: (slot) => egressVal(slot) });
  }
  return { steer, ranges, policies, egress4, egress6, problems };
}

// ------------------------------------------------------------------------------ slots and labels

export class Slots {
  private readonly used = new Set<number>();
  private next: number = SLOT.firstDynamic;
  constructor(
    private readonly shared: SharedMaps,
    private readonly change: Change,
  ) {}
  reserve(slot: number): void {
    this.used.add(slot);
  }
  /** A fresh slot with its counter zeroed and its label written. */
  alloc(label: string): number {
    while (this.used.has(this.next)) this.next++;
    if (this.next >= SLOT.max) throw new Error(`datapath: all ${SLOT.max} counter slots are in use`);
    const s = this.next++;
    this.used.add(s);
    this.shared.counters.update(u32Key(s), new Uint8Array(LAYOUT.eg_counter.size));
    this.shared.labels.update(u32Key(s), labelVal(label));
    return s;
  }
  relabel(slot: number, label: string): void {
    const cur = this.shared.labels.lookup(u32Key(slot));
    if (!cur || decodeLabel(cur) !== decodeLabel(labelVal(label))) {
      this.shared.labels.update(u32Key(slot), labelVal(label));
      this.change.updated++;
    }
  }
  free(slot: number): void {
    if (slot < SLOT.firstDynamic) return;
    this.shared.labels.delete(u32Key(slot));
  }
}

export const empty = (): Change => ({ added: 0, updated: 0, removed: 0 });

export function readAll(m: MapIo): Map<string, { key: Uint8Array; value: Uint8Array }> {
  const out = new Map<string, { key: Uint8Array; value: Uint8Array }>();
  for (const k of m.keys()) {
    const v = m.lookup(k);
    if (v) out.set(hex(k), { key: k, value: v });
  }
  return out;
}

/** Adds missing entries and rewrites changed ones; returns the keys to remove (not removed yet). */
function upsert(
  m: MapIo,
  actual: Map<string, { key: Uint8Array; value: Uint8Array }>,
  desired: Map<string, Entry>,
  slotOf: (value: Uint8Array) => number,
  slots: Slots,
  ch: Change,
): void {
  for (const [k, d] of desired) {
    const a = actual.get(k);
    if (a) {
      const slot = slotOf(a.value);
      slots.relabel(slot, d.label);
      const v = d.value(slot);
      if (!sameBytes(v, a.value)) {
        m.update(d.key, v);
        ch.updated++;
      }
    } else {
      m.update(d.key, d.value(slots.alloc(d.label)));
      ch.added++;
    }
  }
}

function prune(
  m: MapIo,
  actual: Map<string, { key: Uint8Array; value: Uint8Array }>,
  desired: ReadonlyMap<string, unknown>,
  slotOf: ((value: Uint8Array) => number) | undefined,
  slots: Slots,
  ch: Change,
): void {
  for (const [k, a] of actual) {
    if (desired.has(k)) continue;
    if (m.delete(a.key)) ch.removed++;
    if (slotOf) slots.free(slotOf(a.value));
  }
}

// ------------------------------------------------------------------------------------ reconcile

export function reconcile(
  shared: SharedMaps,
  ingress: IngressMaps | undefined,
  egress: EgressMaps | undefined,
  intent: DatapathIntent,
  extraEgress: DatapathIntent["egress"] = [],
): ReconcileResult {
  const want = desiredState(intent, extraEgress);
  const labelsChange = empty();
  const slots = new Slots(shared, labelsChange);
  const result: ReconcileResult = { maps: {}, problems: want.problems };

  const steerSlot = (v: Uint8Array): number => decodeSteerVal(v).slot;
  const ruleSlot = (v: Uint8Array): number => decodeRuleVal(v).slot;
  const egressSlot = (v: Uint8Array): number => decodeSlot32(v);

  // 1. read everything the kernel holds and reserve the slots and policy ids in use
  const actual = ingress
    ? {
        steer: readAll(ingress.steer),
        ranges: ingress.ranges ? readAll(ingress.ranges) : new Map<string, { key: Uint8Array; value: Uint8Array }>(),
        policy: readAll(ingress.policy),
        cidr4: readAll(ingress.cidr4),
        cidr6: readAll(ingress.cidr6),
      }
    : undefined;
  const actualEgress = egress ? { egress4: readAll(egress.egress4), egress6: readAll(egress.egress6) } : undefined;
  const usedIds = new Set<number>();
  if (actual) {
    for (const { value } of actual.steer.values()) slots.reserve(steerSlot(value));
    for (const { value } of actual.ranges.values()) slots.reserve(rangeSlot(value));
    for (const { value } of actual.policy.values()) {
      const p = decodePolicyVal(value);
      slots.reserve(p.defaultSlot);
      usedIds.add(p.policyId);
    }
    for (const t of [actual.cidr4, actual.cidr6])
      for (const { key, value } of t.values()) {
        slots.reserve(ruleSlot(value));
        usedIds.add(decodeCidrKey(key).policyId);
      }
  }
  if (actualEgress) for (const t of [actualEgress.egress4, actualEgress.egress6]) for (const { value } of t.values()) slots.reserve(egressSlot(value));
  // slots labelled by a table not read this time (the other object) stay reserved too
  const labelled = shared.labels.keys().map((k) => decodeSlot32(k));
  for (const s of labelled) slots.reserve(s);

  if (ingress && actual) {
    // 2. policy ids: kept for policies that exist, fresh ones for new policies
    let nextId = 1;
    const ids = new Map<string, number>();
    for (const [k] of want.policies) {
      const a = actual.policy.get(k);
      if (a) ids.set(k, decodePolicyVal(a.value).policyId);
      else {
        while (usedIds.has(nextId)) nextId++;
        usedIds.add(nextId);
        ids.set(k, nextId);
      }
    }
    // 3. rules first (a new policy's trie is complete before its port entry points at it)
    const rules4 = new Map<string, Entry>();
    const rules6 = new Map<string, Entry>();
    for (const [k, p] of want.policies) {
      const id = ids.get(k)!;
      for (const r of p.rules.values()) {
        const key = cidrKey(id, r.cidr);
        (r.cidr.family === 4 ? rules4 : rules6).set(hex(key), { key, label: r.label, value: (slot) => ruleVal(r.action, slot) });
      }
    }
    const c4 = empty(),
      c6 = empty(),
      cp = empty(),
      cs = empty();
    upsert(ingress.cidr4, actual.cidr4, rules4, ruleSlot, slots, c4);
    upsert(ingress.cidr6, actual.cidr6, rules6, ruleSlot, slots, c6);
    const policyEntries = new Map<string, Entry>();
    for (const [k, p] of want.policies) {
      const id = ids.get(k)!;
      policyEntries.set(k, { key: p.key, label: p.label, value: (slot) => policyVal(id, p.defaultAction, slot) });
    }
    upsert(ingress.policy, actual.policy, policyEntries, (v) => decodePolicyVal(v).defaultSlot, slots, cp);
    upsert(ingress.steer, actual.steer, want.steer, steerSlot, slots, cs);
    const cr = empty();
    // ranges: added and updated here, their stale prefixes removed with the steering below
    const pruneRanges = ingress.ranges ? reconcileRanges(ingress.ranges, actual.ranges, want.ranges, slots, cr) : () => undefined;
    // 4. removals in reverse order: steering, then the policy entry, then its rules
    prune(ingress.steer, actual.steer, want.steer, steerSlot, slots, cs);
    pruneRanges();
    if (ingress.ranges) result.maps["eg_ranges"] = cr;
    prune(ingress.policy, actual.policy, policyEntries, (v) => decodePolicyVal(v).defaultSlot, slots, cp);
    prune(ingress.cidr4, actual.cidr4, rules4, ruleSlot, slots, c4);
    prune(ingress.cidr6, actual.cidr6, rules6, ruleSlot, slots, c6);
    Object.assign(result.maps, { eg_steer: cs, eg_policy: cp, eg_cidr4: c4, eg_cidr6: c6 });
  }
  if (egress && actualEgress) {
    const e4 = empty(),
      e6 = empty();
    upsert(egress.egress4, actualEgress.egress4, want.egress4, egressSlot, slots, e4);
    upsert(egress.egress6, actualEgress.egress6, want.egress6, egressSlot, slots, e6);
    prune(egress.egress4, actualEgress.egress4, want.egress4, egressSlot, slots, e4);
    prune(egress.egress6, actualEgress.egress6, want.egress6, egressSlot, slots, e6);
    Object.assign(result.maps, { eg_egress4: e4, eg_egress6: e6 });
  }
  // with every table read, labels no entry refers to (left by an interrupted run) can go
  if (actual && actualEgress) {
    const live = new Set<number>();
    const add = (m: MapIo, slotOf: (v: Uint8Array) => number): void => {
      for (const k of m.keys()) {
        const v = m.lookup(k);
        if (v) live.add(slotOf(v));
      }
    };
    add(ingress!.steer, steerSlot);
    if (ingress!.ranges) add(ingress!.ranges, rangeSlot);
    add(ingress!.policy, (v) => decodePolicyVal(v).defaultSlot);
    add(ingress!.cidr4, ruleSlot);
    add(ingress!.cidr6, ruleSlot);
    add(egress!.egress4, egressSlot);
    add(egress!.egress6, egressSlot);
    for (const s of labelled) if (s >= SLOT.firstDynamic && !live.has(s) && shared.labels.delete(u32Key(s))) labelsChange.removed++;
  }
  result.maps["eg_labels"] = labelsChange;
  return result;
}
