// The server-side apply body for one object's status, from what translate computed and what the
// object holds now:
// - every condition gets a lastTransitionTime (the CRDs require one): the live condition's when the
//   status did not change, now otherwise, so a steady state writes the same bytes;
// - lists the Gateway API declares atomic (route parents, policy ancestors) are shared with other
//   controllers: their entries are kept and ours replaced, or applying would erase them;
// - host-network mode reports the selected nodes' addresses rather than this node's alone.
import type { Condition, ListenerStatus, ObjectStatus } from "../../status/types.ts";
import type { KubeObject } from "../../store/types.ts";
import { isObj, type Obj } from "../../validate/fields.ts";

export interface AddressView {
  /** This node's addresses, as translate reported them. */
  own: readonly string[];
  /** Every selected node's addresses; empty: leave what translate reported. */
  cluster: readonly string[];
}

export interface ApplyBody {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  status: Obj;
}

function liveConditions(list: unknown): Map<string, Obj> {
  const m = new Map<string, Obj>();
  if (Array.isArray(list)) for (const c of list) if (isObj(c) && typeof c.type === "string") m.set(c.type, c);
  return m;
}

function stamp(conds: readonly Condition[], live: unknown, now: string): Obj[] {
  const prev = liveConditions(live);
  return conds.map((c) => {
    const p = prev.get(c.type);
    // A transition is a change of status (True/False/Unknown); reason and message may change alone.
    const since = p && p.status === c.status && typeof p.lastTransitionTime === "string" ? p.lastTransitionTime : now;
    const out: Obj = { type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: since };
    if (c.observedGeneration !== undefined) out.observedGeneration = c.observedGeneration;
    return out;
  });
}

function sameRef(a: unknown, b: Obj): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Our entries (controllerName) replace our old ones; other controllers' entries stay as they are. */
function shared(live: unknown, ours: Obj[], controllerName: string, refKey: string): Obj[] {
  const others = Array.isArray(live) ? live.filter((e): e is Obj => isObj(e) && e.controllerName !== controllerName) : [];
  return [...others.filter((o) => !ours.some((x) => sameRef(x[refKey], o[refKey] as Obj))), ...ours];
}

function findShared(live: unknown, ref: Obj, refKey: string, controllerName: string): unknown {
  if (!Array.isArray(live)) return undefined;
  const e = live.find((x) => isObj(x) && x.controllerName === controllerName && sameRef(x[refKey], ref));
  return isObj(e) ? e.conditions : undefined;
}

function swapAddresses(reported: readonly string[], a: AddressView | undefined): string[] {
  if (!a || a.cluster.length === 0) return [...reported];
  const own = new Set(a.own);
  // Only addresses that came from this node (or none: config.node.addresses unset, as usual in a
  // cluster) are replaced; spec.addresses and pool addresses stay.
  if (reported.length > 0 && !reported.every((x) => own.has(x))) return [...reported];
  return [...a.cluster];
}

/** undefined for a kind this writer does not know yet (translate may learn kinds first). */
export function applyBody(s: ObjectStatus, live: KubeObject, controllerName: string, now: string, addresses?: AddressView): ApplyBody | undefined {
  const ls = isObj(live.status) ? live.status : {};
  const meta = { name: live.metadata.name, ...(live.metadata.namespace ? { namespace: live.metadata.namespace } : {}) };
  const head = { apiVersion: live.apiVersion, kind: live.kind, metadata: meta };
  switch (s.kind) {
    case "GatewayClass":
      return { ...head, status: { conditions: stamp(s.status.conditions, ls.conditions, now), ...(s.status.supportedFeatures ? { supportedFeatures: s.status.supportedFeatures } : {}) } };
    case "Gateway": {
      const wantsOwn = !(Array.isArray((live.spec as Obj | undefined)?.addresses) && ((live.spec as Obj).addresses as unknown[]).length > 0);
      const addrs = wantsOwn ? swapAddresses(s.status.addresses.map((a) => a.value), addresses) : s.status.addresses.map((a) => a.value);
      const typeOf = new Map(s.status.addresses.map((a) => [a.value, a.type]));
      return {
        ...head,
        status: {
          addresses: addrs.map((value) => ({ type: typeOf.get(value) ?? "IPAddress", value })),
          conditions: stamp(s.status.conditions, ls.conditions, now),
          listeners: listeners(s.status.listeners, ls.listeners, now),
          ...(s.status.attachedListenerSets !== undefined ? { attachedListenerSets: s.status.attachedListenerSets } : {}),
        },
      };
    }
    case "ListenerSet":
      return { ...head, status: { conditions: stamp(s.status.conditions, ls.conditions, now), listeners: listeners(s.status.listeners, ls.listeners, now) } };
    case "HTTPRoute":
    case "GRPCRoute":
    case "TLSRoute":
      return { ...head, status: { parents: ownEntries(s.status.parents.map((p) => ({ ref: p.parentRef as Obj, ...p })), ls.parents, "parentRef", controllerName, now) } };
    case "BackendTLSPolicy":
    case "GatewayNetworkPolicy":
      return { ...head, status: { ancestors: ownEntries(s.status.ancestors.map((a) => ({ ref: a.ancestorRef as Obj, ...a })), ls.ancestors, "ancestorRef", controllerName, now) } };
    case "Ingress": {
      const ips = s.status.loadBalancer.ingress.filter((i) => i.ip !== undefined).map((i) => i.ip!);
      const hostnames = s.status.loadBalancer.ingress.filter((i) => i.hostname !== undefined);
      const swapped = swapAddresses(ips, addresses);
      return { ...head, status: { loadBalancer: { ingress: [...swapped.map((ip) => ({ ip })), ...hostnames] } } };
    }
    default:
      return undefined;
  }
}

// Route parents and policy ancestors: our entries, with transition times kept from the live
// ones, merged with the entries other controllers own.
function ownEntries(
  ours: ReadonlyArray<{ ref: Obj; controllerName: string; conditions: Condition[] }>,
  live: unknown,
  field: "parentRef" | "ancestorRef",
  controllerName: string,
  now: string,
): Obj[] {
  const entries = ours.map((e) => ({ [field]: e.ref, controllerName: e.controllerName, conditions: stamp(e.conditions, findShared(live, e.ref, field, controllerName), now) }));
  return shared(live, entries, controllerName, field);
}

function listeners(ours: readonly ListenerStatus[], live: unknown, now: string): Obj[] {
  const prev = Array.isArray(live) ? live.filter(isObj) : [];
  return ours.map((l) => ({
    name: l.name,
    supportedKinds: l.supportedKinds,
    attachedRoutes: l.attachedRoutes,
    conditions: stamp(l.conditions, prev.find((x) => x.name === l.name)?.conditions, now),
  }));
}

export function statusKey(s: ObjectStatus): string {
  return `${s.kind}/${"namespace" in s ? s.namespace : ""}/${s.name}`;
}
