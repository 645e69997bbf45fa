// Remembers each route's IR rules across compiles, so a change to one route among 10,000 does not
// rebuild the other 9,999. A route's rules depend on the route object itself (kept by identity:
// unchanged files and unchanged API objects keep their objects), the listener's port and protocol,
// and how its backendRefs resolve, which depends on every object that is not a route or an
// EndpointSlice (Services, ReferenceGrants, Gateways, policies...). When any of those changes, the
// memo starts over. Endpoints change often and only affect clusters, which are rebuilt every time.
import type { StoredObject } from "../store/types.ts";
import type { RouteWithKey } from "./http-rules.ts";

const routeKinds = new Set(["HTTPRoute", "GRPCRoute", "TLSRoute", "EndpointSlice"]);

export class TranslateMemo {
  private byRoute = new WeakMap<object, Map<string, RouteWithKey[]>>();
  private world: object[] = [];
  hits = 0;
  misses = 0;

  /** Called once per compile with every input object. */
  begin(objects: readonly StoredObject[]): void {
    const world: object[] = [];
    for (const o of objects) if (!routeKinds.has(o.object.kind)) world.push(o.object);
    if (world.length !== this.world.length || world.some((o, i) => o !== this.world[i])) {
      this.byRoute = new WeakMap();
      this.world = world;
    }
    this.hits = 0;
    this.misses = 0;
  }

  rules(route: object, key: string, build: () => RouteWithKey[]): RouteWithKey[] {
    let perRoute = this.byRoute.get(route);
    if (!perRoute) {
      perRoute = new Map();
      this.byRoute.set(route, perRoute);
    }
    let r = perRoute.get(key);
    if (r) this.hits++;
    else {
      this.misses++;
      r = build();
      perRoute.set(key, r);
    }
    return r;
  }
}
