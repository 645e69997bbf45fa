// The server-side apply body for one object's status, from what translate computed, what the
// object holds now and what the cluster's data plane says (StatusContext):
// - every condition gets a lastTransitionTime (the CRDs require one): the live condition's when the
//   status did not change, now otherwise, so a steady state writes the same bytes;
// - lists the Gateway API declares atomic (route parents, policy ancestors) are shared with other
//   controllers: their entries are kept and ours replaced, or applying would erase them (the writer
//   sends the body with the live object's resourceVersion, so "kept" means "as they are now");
// - addresses and Programmed are decided here, once, for Kubernetes mode (see addresses.ts and
//   programmed.ts): a Gateway is only as programmed, and only as reachable, as the selected nodes
//   make it.
import type { Condition, ListenerStatus, ObjectStatus } from "../../object-status/types.ts";
import { refKey, type KubeObject } from "../../store/types.ts";
import { isObj, type Obj } from "../../yaml/value.ts";
import { gatewayAddresses, ingressAddresses, type NodeAddressView } from "./addresses.ts";
import { dataPlaneProgrammed, type DataPlaneView } from "./programmed.ts";

export interface StatusContext {
  /** Host-network mode: which addresses the selected nodes serve. Undefined: translate's addresses stand. */
  addresses?: NodeAddressView;
  /** Which Gateways the selected nodes' Envoys have ACKed. Undefined: translate's Programmed stands. */
  dataPlane?: DataPlaneView;
}

export interface ApplyBody {
  apiVersion: string;
  kind: string;
  /** resourceVersion: the precondition the writer adds (the live copy the body was built from). */
  metadata: { name: string; namespace?: string; resourceVersion?: string };
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

/** undefined for a kind this writer does not know yet (translate may learn kinds first). */
export function applyBody(s: ObjectStatus, live: KubeObject, controllerName: string, now: string, ctx: StatusContext = {}): ApplyBody | undefined {
  const ls = isObj(live.status) ? live.status : {};
  const meta = { name: live.metadata.name, ...(live.metadata.namespace ? { namespace: live.metadata.namespace } : {}) };
  const head = { apiVersion: live.apiVersion, kind: live.kind, metadata: meta };
  switch (s.kind) {
    case "GatewayClass":
      return {
        ...head,
        status: {
          conditions: stamp(s.status.conditions, ls.conditions, now),
          ...(s.status.supportedFeatures ? { supportedFeatures: s.status.supportedFeatures } : {}),
        },
      };
    case "Gateway": {
      const addresses = gatewayAddresses(s.status.addresses, live, ctx.addresses);
      const gen = live.metadata.generation ?? 1;
      const verdict = dataPlaneProgrammed(`${s.namespace}/${s.name}`, gen, ctx, addresses.length);
      return {
        ...head,
        status: {
          addresses,
          conditions: stamp(programmed(s.status.conditions, verdict, gen), ls.conditions, now),
          listeners: listeners(s.status.listeners, ls.listeners, now, verdict, gen),
          ...(s.status.attachedListenerSets !== undefined ? { attachedListenerSets: s.status.attachedListenerSets } : {}),
        },
      };
    }
    case "ListenerSet":
      return {
        ...head,
        status: { conditions: stamp(s.status.conditions, ls.conditions, now), listeners: listeners(s.status.listeners, ls.listeners, now, { ok: true }, 0) },
      };
    case "HTTPRoute":
    case "GRPCRoute":
    case "TLSRoute":
    case "TCPRoute":
    case "UDPRoute":
      return {
        ...head,
        status: {
          parents: ownEntries(
            s.status.parents.map((p) => ({ ref: p.parentRef as Obj, ...p })),
            ls.parents,
            "parentRef",
            controllerName,
            now,
          ),
        },
      };
    case "BackendTLSPolicy":
    case "GatewayNetworkPolicy":
      return {
        ...head,
        status: {
          ancestors: ownEntries(
            s.status.ancestors.map((a) => ({ ref: a.ancestorRef as Obj, ...a })),
            ls.ancestors,
            "ancestorRef",
            controllerName,
            now,
          ),
        },
      };
    case "Ingress":
      return { ...head, status: { loadBalancer: { ingress: ingressAddresses(s.status.loadBalancer.ingress, ctx.addresses) } } };
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
  const entries = ours.map((e) => ({
    [field]: e.ref,
    controllerName: e.controllerName,
    conditions: stamp(e.conditions, findShared(live, e.ref, field, controllerName), now),
  }));
  return shared(live, entries, controllerName, field);
}

function listeners(ours: readonly ListenerStatus[], live: unknown, now: string, verdict: Verdict, gen: number): Obj[] {
  const prev = Array.isArray(live) ? live.filter(isObj) : [];
  return ours.map((l) => ({
    name: l.name,
    supportedKinds: l.supportedKinds,
    attachedRoutes: l.attachedRoutes,
    conditions: stamp(programmed(l.conditions, verdict, gen), prev.find((x) => x.name === l.name)?.conditions, now),
  }));
}

type Verdict = ReturnType<typeof dataPlaneProgrammed>;

/** Programmed=True from translate holds only when the data plane agrees; its False reasons stand. */
function programmed(conds: readonly Condition[], verdict: Verdict, gen: number): Condition[] {
  if (verdict.ok) return [...conds];
  return conds.map((c) =>
    c.type === "Programmed" && c.status === "True"
      ? { type: "Programmed", status: "False", reason: verdict.reason, message: verdict.message, observedGeneration: c.observedGeneration ?? gen }
      : c,
  );
}

/** Keys by status object: translation keeps an unchanged route's status object (gateway/memo.ts), and 10,000 are keyed per compile. */
const keys = new WeakMap<ObjectStatus, string>();

export function statusKey(s: ObjectStatus): string {
  let k = keys.get(s);
  if (k === undefined) {
    k = refKey(s);
    keys.set(s, k);
  }
  return k;
}
