// The two tiers of translation's inputs. Routes are many and change often; everything else (the
// "world": classes, Gateways, ListenerSets, Services, endpoints, ReferenceGrants, Namespaces,
// Secrets, ConfigMaps, policies, Ingresses) is few and changes rarely. What is built from the world
// alone (listener states, addresses, cluster resolutions, secrets) is kept while the world's
// objects are the very same objects and the options are the same, so a route added among 10,000
// costs that route's attachment and resolution, not every route's (issue 17: new routes served
// within 250 ms). Services and endpoints change most often in a cluster, so they are a tier of
// their own: an endpoint-only change re-reads clusters' endpoints (an EDS update), and a Service
// added, removed or changed re-translates only the routes that looked it up. Any other change to
// the world rebuilds everything, as a fresh translation would.
import type { IrSecret } from "../ir/types.ts";
import type { StoredObject } from "../store/types.ts";
import type { GatewayWorld } from "../gateway/world.ts";
import { nsName, type Inputs } from "./inputs.ts";
import { BackendTlsIndex } from "./backend-tls.ts";
import { ClusterSet } from "./services.ts";
import { EndpointsAnnotation } from "../kinds/core.ts";

/** What translation builds from the world alone. */
export interface WorldState {
  /** The world's inputs, routes left out: nothing kept here can read a route. */
  inputs: Inputs;
  secrets: Map<string, IrSecret>;
  backendTls: BackendTlsIndex;
  clusters: ClusterSet;
  /** Built on first use by the Gateway translator (src/gateway/world.ts). */
  gateways?: GatewayWorld;
  /**
   * Services added, removed or changed while this world was kept: a counter, and for each
   * Service ("namespace/name") the count at its last change. A route's attachment checked at an
   * older count is valid only if none of the Services it looked up changed since (gateway/memo.ts).
   */
  serviceChanges: { count: number; at: Map<string, number> };
}

/** The inputs without their routes. */
function worldInputs(inp: Inputs): Inputs {
  return { ...inp, httpRoutes: [], grpcRoutes: [], tlsRoutes: [], tcpRoutes: [], udpRoutes: [] };
}

export function buildWorld(inp: Inputs): WorldState {
  const inputs = worldInputs(inp);
  const secrets = new Map<string, IrSecret>();
  const backendTls = new BackendTlsIndex(inputs, secrets);
  return { inputs, secrets, backendTls, clusters: new ClusterSet(inputs, backendTls), serviceChanges: { count: 0, at: new Map() } };
}

/**
 * Keeps the last world. Entries built against a world (route attachments, memo.ts) hold its
 * WorldState and are valid only while that very object is handed out.
 */
export class WorldMemo {
  private last: { objects: readonly StoredObject[]; options: string; state: WorldState } | undefined;
  /**
   * How the last `get` went: the world reused as it was; reused with new endpoints; reused with
   * Services added, removed or changed (the routes that looked them up are translated again); or
   * built anew.
   */
  outcome: "reused" | "endpoints" | "services" | "built" = "built";

  get reused(): boolean {
    return this.outcome !== "built";
  }

  /** The world state for these world objects and options: the last one when both are unchanged. */
  get(inp: Inputs, options: string): WorldState {
    const last = this.last;
    const change = last === undefined || last.options !== options ? undefined : compare(last.objects, inp.world);
    if (last && change) {
      const st = last.state;
      st.clusters.beginCompile();
      if (change.kind !== "none") {
        // The kept inputs are shared by everything built from them: they see the new Services and endpoints.
        st.inputs.services = inp.services;
        st.inputs.endpointSlices = inp.endpointSlices;
        if (change.services.size > 0) {
          st.serviceChanges.count++;
          for (const key of change.services) {
            st.serviceChanges.at.set(key, st.serviceChanges.count);
            st.clusters.forgetService(key);
          }
        }
        st.clusters.refreshEndpoints();
        last.objects = inp.world;
      }
      this.outcome = change.kind === "none" ? "reused" : change.services.size > 0 ? "services" : "endpoints";
      return st;
    }
    this.outcome = "built";
    const state = buildWorld(inp);
    this.last = { objects: inp.world, options, state };
    return state;
  }
}

const isService = (o: StoredObject): boolean => o.object.kind === "Service" && o.ref.group === "";
const isSlice = (o: StoredObject): boolean => o.object.kind === "EndpointSlice" && o.ref.group === "discovery.k8s.io";
const serviceKey = (o: StoredObject): string => nsName(o.ref.namespace, o.ref.name);

/**
 * undefined: something other than Services and endpoints changed (start over). Otherwise "none"
 * (the same objects) or "changed", with the Services ("namespace/name") added, removed or changed
 * in more than their endpoints: EndpointSlices, and a Service's edgegate.io/endpoints annotation
 * in file mode, change no resolution, only clusters' endpoints (an EDS update).
 */
function compare(a: readonly StoredObject[], b: readonly StoredObject[]): { kind: "none" | "changed"; services: Set<string> } | undefined {
  const services = new Set<string>();
  let changed = false;
  let aKeys: Set<string> | undefined;
  let bKeys: Set<string> | undefined;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x !== undefined && x === y) {
      i++;
      j++;
      continue;
    }
    changed = true;
    if (x !== undefined && y !== undefined && x.key === y.key) {
      if (isSlice(y)) {
        // endpoints only
      } else if (isService(y)) {
        if (serviceShape(x) !== serviceShape(y)) services.add(serviceKey(y));
      } else return undefined;
      i++;
      j++;
      continue;
    }
    // An object only one side has: a Service or EndpointSlice added or removed; anything else, or
    // the same objects in another order, starts over.
    aKeys ??= new Set(a.map((o) => o.key));
    bKeys ??= new Set(b.map((o) => o.key));
    if (x !== undefined && !bKeys.has(x.key) && (isService(x) || isSlice(x))) {
      if (isService(x)) services.add(serviceKey(x));
      i++;
    } else if (y !== undefined && !aKeys.has(y.key) && (isService(y) || isSlice(y))) {
      if (isService(y)) services.add(serviceKey(y));
      j++;
    } else return undefined;
  }
  return { kind: changed ? "changed" : "none", services };
}

/** A Service as resolution reads it: all of it but its endpoints annotation and its bookkeeping. */
function serviceShape(so: StoredObject): string {
  const { metadata, spec } = so.object as { metadata: { labels?: unknown; annotations?: Record<string, string> }; spec?: unknown };
  const { [EndpointsAnnotation]: _endpoints, ...annotations } = metadata.annotations ?? {};
  return JSON.stringify([spec, metadata.labels ?? null, annotations]);
}
