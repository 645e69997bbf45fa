// Which Gateway listeners a route attaches to, following its parentRefs, and the parent status.
import type { AnyRoute, LabelSelector, ParentReference, RouteKind } from "../kinds/gateway-api.ts";
import { GatewayGroup } from "../kinds/gateway-api.ts";
import { condition, type Condition } from "../object-status/types.ts";
import { namespaceLabels, type Inputs } from "../translate/inputs.ts";
import { intersect } from "./hostnames.ts";
import type { ListenerState } from "./listeners.ts";
import { refKey } from "../store/types.ts";

/** A parent routes can name: a Gateway (its own listeners) or a ListenerSet (the set's listeners). */
export interface GatewayState {
  /** "namespace/name". */
  key: string;
  listeners: ListenerState[];
  /** Set for a ListenerSet its Gateway did not accept: routes cannot attach through it. */
  notAccepted?: string;
}

/** Key of a parent in the map attach() reads: "Gateway/ns/name" or "ListenerSet/ns/name". */
export const parentKey = (kind: "Gateway" | "ListenerSet", ns: string, name: string): string => refKey({ kind, namespace: ns, name });

export interface Attachment {
  listener: ListenerState;
  /** Hostnames served through this listener; undefined = any. */
  hostnames: string[] | undefined;
}

export interface ParentResult {
  parentRef: ParentReference;
  accepted: Condition;
  attachments: Attachment[];
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const v = labels[e.key];
    if (e.operator === "In" && !(has && (e.values ?? []).includes(v!))) return false;
    if (e.operator === "NotIn" && has && (e.values ?? []).includes(v!)) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

function namespaceAllowed(inp: Inputs, l: ListenerState, routeNs: string): boolean {
  const from = l.listener.allowedRoutes?.namespaces?.from ?? "Same";
  if (from === "All") return true;
  // "Same" is the namespace of the object that declares the listener (a ListenerSet's, for its listeners).
  if (from === "Same") return routeNs === l.owner.namespace;
  if (from === "Selector") return selectorMatches(l.listener.allowedRoutes?.namespaces?.selector, namespaceLabels(inp, routeNs));
  return false;
}

/** The parent kinds a route can name here; others (Services for mesh...) are another controller's business. */
export function parentKind(ref: ParentReference): "Gateway" | "ListenerSet" | undefined {
  if ((ref.group ?? GatewayGroup) !== GatewayGroup) return undefined;
  const kind = ref.kind ?? "Gateway";
  return kind === "Gateway" || kind === "ListenerSet" ? kind : undefined;
}

export function attach(inp: Inputs, route: AnyRoute, routeKind: RouteKind, gateways: Map<string, GatewayState>): ParentResult[] {
  const routeNs = route.metadata.namespace;
  const g = route.metadata.generation;
  const out: ParentResult[] = [];
  for (const ref of route.spec.parentRefs ?? []) {
    const kind = parentKind(ref);
    if (!kind) continue;
    // A Gateway parent offers only the Gateway's own listeners: a ListenerSet's listeners are
    // reached through the ListenerSet (sectionName cannot name them via the Gateway).
    const gw = gateways.get(parentKey(kind, ref.namespace ?? routeNs, ref.name));
    if (!gw) continue;
    if (gw.notAccepted !== undefined) {
      out.push({ parentRef: ref, attachments: [], accepted: condition("Accepted", false, "NotAllowedByListeners", gw.notAccepted, g) });
      continue;
    }
    const candidates = gw.listeners.filter(
      (l) => (ref.sectionName === undefined || l.listener.name === ref.sectionName) && (ref.port === undefined || l.listener.port === ref.port),
    );
    const res: ParentResult = { parentRef: ref, attachments: [], accepted: condition("Accepted", true, "Accepted", "route accepted", g) };
    out.push(res);
    if (candidates.length === 0) {
      const what = [ref.sectionName && `named ${ref.sectionName}`, ref.port && `on port ${ref.port}`].filter(Boolean).join(" ");
      res.accepted = condition("Accepted", false, "NoMatchingParent", `${kind} ${gw.key} has no listener ${what}`, g);
      continue;
    }
    const usable = candidates.filter((l) => l.attachable);
    const allowed = usable.filter((l) => l.supportedKinds.some((k) => k.kind === routeKind) && namespaceAllowed(inp, l, routeNs));
    if (allowed.length === 0) {
      res.accepted = condition(
        "Accepted",
        false,
        "NotAllowedByListeners",
        usable.length === 0 ? "no listener of the parent is valid" : `no listener of ${gw.key} allows ${routeKind} from namespace ${routeNs}`,
        g,
      );
      continue;
    }
    const hosts = route.spec.hostnames ?? [];
    for (const l of allowed) {
      const hn = intersect(l.listener.hostname, hosts);
      if (hn !== undefined && hn.length === 0) continue;
      res.attachments.push({ listener: l, hostnames: hn });
    }
    if (res.attachments.length === 0) {
      res.accepted = condition(
        "Accepted",
        false,
        "NoMatchingListenerHostname",
        `no listener hostname of ${kind} ${gw.key} intersects the route's hostnames`,
        g,
      );
    }
  }
  return out;
}
