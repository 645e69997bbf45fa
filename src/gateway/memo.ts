// Remembers each route's IR rules across compiles, so a change to one route among 10,000 does not
// rebuild the other 9,999. A route's rules depend on the route object itself (kept by identity:
// unchanged files and unchanged API objects keep their objects), the listener's port and protocol,
// and how its backendRefs resolve, which depends on every object that is not a route or an
// EndpointSlice (Services, ReferenceGrants, Gateways, policies...). When any of those changes, the
// memo starts over. Endpoints change often and only affect clusters, which are rebuilt every time:
// so EndpointSlices, and a Service's edgegate.io/endpoints annotation (file mode's endpoints), do
// not count as changes here. A rule names its cluster by Service, port and protocol only
// (translate/services.ts), never by its endpoints, so an endpoint change costs an EDS update.
import type { StoredObject } from "../store/types.ts";
import { EndpointsAnnotation } from "../resources/core.ts";
import type { RouteWithKey } from "./http-rules.ts";

const routeKinds = new Set(["HTTPRoute", "GRPCRoute", "TLSRoute", "EndpointSlice"]);

interface Obj {
  kind: string;
  metadata: { annotations?: Record<string, string> };
}

/** A Service as routing sees it: everything but its endpoints annotation. Computed once per object. */
const routingView = new WeakMap<object, string>();
function serviceRoutingKey(o: Obj): string {
  let k = routingView.get(o);
  if (k === undefined) {
    const { [EndpointsAnnotation]: _endpoints, ...annotations } = o.metadata.annotations ?? {};
    k = JSON.stringify({ ...o, metadata: { ...o.metadata, annotations } });
    routingView.set(o, k);
  }
  return k;
}

function sameForRouting(a: Obj, b: Obj): boolean {
  if (a === b) return true;
  return a.kind === "Service" && b.kind === "Service" && serviceRoutingKey(a) === serviceRoutingKey(b);
}

export class TranslateMemo {
  private byRoute = new WeakMap<object, Map<string, RouteWithKey[]>>();
  private world: Obj[] = [];
  hits = 0;
  misses = 0;
  /** Compiles that had to start over (a Gateway, a Service's ports...), for benchmarks and tests. */
  resets = 0;

  /** Called once per compile with every input object. */
  begin(objects: readonly StoredObject[]): void {
    const world: Obj[] = [];
    for (const o of objects) if (!routeKinds.has(o.object.kind)) world.push(o.object);
    if (world.length !== this.world.length || world.some((o, i) => !sameForRouting(o, this.world[i]!))) {
      this.byRoute = new WeakMap();
      this.resets++;
    }
    this.world = world;
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
