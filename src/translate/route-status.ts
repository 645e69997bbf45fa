// Route status from several translators (Gateway parents, Service parents) merged into one entry
// per route, parents in the order they were produced, as the object's status.parents holds them.
import type { ObjectStatus } from "../object-status/types.ts";
import { refKey } from "../store/types.ts";

type RouteStatus = Extract<ObjectStatus, { kind: "HTTPRoute" | "GRPCRoute" | "TLSRoute" | "TCPRoute" | "UDPRoute" }>;
const ROUTE_KINDS: ReadonlySet<string> = new Set<RouteStatus["kind"]>(["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"]);
export const isRoute = (s: ObjectStatus): s is RouteStatus => ROUTE_KINDS.has(s.kind);

export function mergeRouteStatus(list: readonly ObjectStatus[]): ObjectStatus[] {
  const out: ObjectStatus[] = [];
  const routes = new Map<string, RouteStatus>();
  for (const s of list) {
    if (!isRoute(s)) {
      out.push(s);
      continue;
    }
    const key = refKey(s);
    const prev = routes.get(key);
    if (prev) {
      prev.status.parents.push(...s.status.parents);
      continue;
    }
    const copy: RouteStatus = { ...s, status: { parents: [...s.status.parents] } };
    routes.set(key, copy);
    out.push(copy);
  }
  return out;
}
