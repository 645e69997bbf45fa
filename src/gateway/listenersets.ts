// ListenerSets (GEP-1713): listeners another object adds to a Gateway. A Gateway admits them
// only as its spec.allowedListeners says (none by default); admitted listeners join the
// Gateway's after its own, oldest ListenerSet first, and lose conflicts to earlier ones.
import type { Gateway, ListenerSet } from "../kinds/gateway-api.ts";
import { GatewayGroup } from "../kinds/gateway-api.ts";
import type { IrSecret } from "../ir/types.ts";
import { condition, type Condition, type ObjectStatus } from "../object-status/types.ts";
import { namespaceLabels, type Inputs } from "../translate/inputs.ts";
import { selectorMatches } from "./attach.ts";
import { buildListeners, listenerConditions, type ListenerState } from "./listeners.ts";

export interface ListenerSetState {
  set: ListenerSet;
  gateway: Gateway;
  /** Why the Gateway does not take this ListenerSet; undefined = admitted. */
  notAllowed?: string;
  /** The set's listeners (empty when not admitted). */
  listeners: ListenerState[];
}

/** Does the Gateway's spec.allowedListeners admit ListenerSets from this namespace? */
function admits(inp: Inputs, gw: Gateway, ns: string): boolean {
  const from = gw.spec.allowedListeners?.namespaces?.from ?? "None";
  if (from === "All") return true;
  if (from === "Same") return ns === gw.metadata.namespace;
  if (from === "Selector") return selectorMatches(gw.spec.allowedListeners?.namespaces?.selector, namespaceLabels(inp, ns));
  return false;
}

/** The ListenerSets whose parentRef names this Gateway, oldest first (inp.listenerSets is sorted by age). */
export function listenerSetsOf(inp: Inputs, gw: Gateway, secrets: Map<string, IrSecret>): ListenerSetState[] {
  const gwNs = gw.metadata.namespace;
  const out: ListenerSetState[] = [];
  for (const set of inp.listenerSets) {
    const ns = set.metadata.namespace;
    const ref = set.spec.parentRef;
    if ((ref.group ?? GatewayGroup) !== GatewayGroup || (ref.kind ?? "Gateway") !== "Gateway") continue;
    if (ref.name !== gw.metadata.name || (ref.namespace ?? ns) !== gwNs) continue;
    if (!admits(inp, gw, ns)) {
      const from = gw.spec.allowedListeners?.namespaces?.from ?? "None";
      out.push({
        set,
        gateway: gw,
        listeners: [],
        notAllowed: `Gateway ${gwNs}/${gw.metadata.name} does not allow ListenerSets from namespace ${ns} (allowedListeners.namespaces.from: ${from})`,
      });
      continue;
    }
    const owner = { kind: "ListenerSet" as const, namespace: ns, name: set.metadata.name, generation: set.metadata.generation };
    out.push({ set, gateway: gw, listeners: buildListeners(inp, gw, secrets, owner, set.spec.listeners) });
  }
  return out;
}

/** Accepted: admitted, its Gateway accepted, and at least one of its listeners valid. */
export function listenerSetAccepted(st: ListenerSetState, gatewayAccepted: boolean): boolean {
  return st.notAllowed === undefined && gatewayAccepted && st.listeners.some((l) => l.usable);
}

export function listenerSetStatus(st: ListenerSetState, gatewayAccepted: boolean): ObjectStatus {
  const g = st.set.metadata.generation;
  const conditions: Condition[] = [];
  const usable = st.listeners.filter((l) => l.usable).length;
  const total = st.listeners.length;
  if (st.notAllowed !== undefined) {
    conditions.push(condition("Accepted", false, "NotAllowed", st.notAllowed, g), condition("Programmed", false, "NotAllowed", st.notAllowed, g));
  } else if (!gatewayAccepted) {
    const msg = `Gateway ${st.gateway.metadata.namespace}/${st.gateway.metadata.name} is not accepted`;
    conditions.push(condition("Accepted", false, "ParentNotAccepted", msg, g), condition("Programmed", false, "ParentNotAccepted", msg, g));
  } else if (usable === 0) {
    const msg = `none of the ${total} listeners is valid`;
    conditions.push(condition("Accepted", false, "ListenersNotValid", msg, g), condition("Programmed", false, "ListenersNotValid", msg, g));
  } else {
    conditions.push(
      usable === total
        ? condition("Accepted", true, "Accepted", "ListenerSet accepted", g)
        : condition("Accepted", true, "ListenersNotValid", `${total - usable} of ${total} listeners are not valid`, g),
      condition("Programmed", true, "Programmed", "ListenerSet programmed", g),
    );
  }
  return {
    kind: "ListenerSet",
    namespace: st.set.metadata.namespace,
    name: st.set.metadata.name,
    status: {
      conditions,
      listeners: st.listeners.map((l) => ({
        name: l.listener.name,
        supportedKinds: l.supportedKinds,
        attachedRoutes: l.attachedRoutes,
        conditions: listenerConditions(l),
      })),
      parents: [],
    },
  };
}
