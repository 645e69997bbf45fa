// Route order inside a virtual host. Envoy takes the first matching route, so the Gateway API's
// precedence becomes a sort:
//   HTTPRoute: Exact path > RegularExpression > PathPrefix; longer path first; method match;
//   more header matches; more query matches; then the older route (creationTimestamp, then
//   namespace/name); then rule order and match order within the route.
//   GRPCRoute: longer service, longer method, more header matches, then the same tie-breakers.
import type { RankKey, RouteWithKey } from "./http-rules.ts";

const order = ["grpcService", "grpcMethod", "pathType", "pathLength", "method", "headers", "query"] as const satisfies ReadonlyArray<keyof RankKey>;

export function compareRank(a: RankKey, b: RankKey): number {
  for (const k of order) if (a[k] !== b[k]) return b[k] - a[k];
  if (a.routeOrder !== b.routeOrder) return a.routeOrder < b.routeOrder ? -1 : 1;
  return a.rule - b.rule || a.match - b.match;
}

export function sortRoutes(routes: RouteWithKey[]): RouteWithKey[] {
  return routes.sort((x, y) => compareRank(x.rank, y.rank));
}
