// Indexes the store's objects by kind for translation. Pure.
import type { StoredObject } from "../store/types.ts";
import { known } from "../store/known.ts";
import type {
  BackendTLSPolicy,
  GRPCRoute,
  Gateway,
  GatewayClass,
  HTTPRoute,
  ListenerSet,
  ReferenceGrant,
  TCPRoute,
  TLSRoute,
  UDPRoute,
} from "../kinds/gateway-api.ts";
import type { ConfigMap, EndpointSlice, Ingress, IngressClass, Secret, Service } from "../kinds/core.ts";

export interface Inputs {
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  /** Oldest first: listener precedence among ListenerSets follows age. */
  listenerSets: ListenerSet[];
  httpRoutes: HTTPRoute[];
  grpcRoutes: GRPCRoute[];
  tlsRoutes: TLSRoute[];
  tcpRoutes: TCPRoute[];
  udpRoutes: UDPRoute[];
  referenceGrants: ReferenceGrant[];
  backendTLSPolicies: BackendTLSPolicy[];
  ingresses: Ingress[];
  ingressClasses: IngressClass[];
  services: Map<string, Service>;
  /** By "namespace/service-name" (the kubernetes.io/service-name label). */
  endpointSlices: Map<string, EndpointSlice[]>;
  secrets: Map<string, Secret>;
  configMaps: Map<string, ConfigMap>;
  namespaceLabels: Map<string, Record<string, string>>;
  /** Everything else registered by other stages (the datapath policy kind), by kind. */
  other: Map<string, StoredObject[]>;
  /** Every object that is not a route, in store order: what translate/world.ts compares between compiles. */
  world: StoredObject[];
}

const ROUTE_KINDS: ReadonlySet<string> = new Set(["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"]);

export const nsName = (ns: string | undefined, name: string): string => `${ns ?? "default"}/${name}`;

/** Oldest first, then by namespace/name: the Gateway API's tie-breaker everywhere. */
export function byAge<T extends { metadata: { creationTimestamp?: string; namespace?: string; name: string } }>(a: T, b: T): number {
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = nsName(a.metadata.namespace, a.metadata.name);
  const kb = nsName(b.metadata.namespace, b.metadata.name);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

type Aged = { metadata: { creationTimestamp?: string; namespace?: string; name: string } };

/** Age keys by object: stored objects do not change, and a compile sorts 10,000 routes that mostly did not change either. */
const ageKeys = new WeakMap<object, string>();
const ageKey = (o: Aged): string => {
  let k = ageKeys.get(o);
  if (k === undefined) {
    k = `${o.metadata.creationTimestamp ?? ""}\u0000${nsName(o.metadata.namespace, o.metadata.name)}`;
    ageKeys.set(o, k);
  }
  return k;
};

/** The same order as byAge, with each key built once per object instead of once per comparison; a sorted list is left as it is. */
function sortByAge<T extends Aged>(list: T[]): void {
  const keys = list.map(ageKey);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! <= keys[i]!;
  if (sorted) return;
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const copy = [...list];
  order.forEach((from, i) => (list[i] = copy[from]!));
}

export function indexInputs(objects: readonly StoredObject[]): Inputs {
  const inp: Inputs = {
    gatewayClasses: [],
    gateways: [],
    listenerSets: [],
    httpRoutes: [],
    grpcRoutes: [],
    tlsRoutes: [],
    tcpRoutes: [],
    udpRoutes: [],
    referenceGrants: [],
    backendTLSPolicies: [],
    ingresses: [],
    ingressClasses: [],
    services: new Map(),
    endpointSlices: new Map(),
    secrets: new Map(),
    configMaps: new Map(),
    namespaceLabels: new Map(),
    other: new Map(),
    world: [],
  };
  for (const so of objects) {
    // Typed by kind (src/store/known.ts); other kinds, and those typed elsewhere, go to `other`.
    const o = known(so);
    if (o === undefined || !ROUTE_KINDS.has(o.kind)) inp.world.push(so);
    switch (o?.kind) {
      case "GatewayClass":
        inp.gatewayClasses.push(o);
        break;
      case "Gateway":
        inp.gateways.push(o);
        break;
      case "ListenerSet":
        inp.listenerSets.push(o);
        break;
      case "HTTPRoute":
        inp.httpRoutes.push(o);
        break;
      case "GRPCRoute":
        inp.grpcRoutes.push(o);
        break;
      case "TLSRoute":
        inp.tlsRoutes.push(o);
        break;
      case "TCPRoute":
        inp.tcpRoutes.push(o);
        break;
      case "UDPRoute":
        inp.udpRoutes.push(o);
        break;
      case "ReferenceGrant":
        inp.referenceGrants.push(o);
        break;
      case "BackendTLSPolicy":
        inp.backendTLSPolicies.push(o);
        break;
      case "Ingress":
        inp.ingresses.push(o);
        break;
      case "IngressClass":
        inp.ingressClasses.push(o);
        break;
      case "Service":
        inp.services.set(nsName(o.metadata.namespace, o.metadata.name), o);
        break;
      case "EndpointSlice": {
        const svc = nsName(o.metadata.namespace, o.metadata.labels?.["kubernetes.io/service-name"] ?? "");
        const list = inp.endpointSlices.get(svc) ?? [];
        list.push(o);
        inp.endpointSlices.set(svc, list);
        break;
      }
      case "Secret":
        inp.secrets.set(nsName(o.metadata.namespace, o.metadata.name), o);
        break;
      case "ConfigMap":
        inp.configMaps.set(nsName(o.metadata.namespace, o.metadata.name), o);
        break;
      case "Namespace":
        inp.namespaceLabels.set(o.metadata.name, o.metadata.labels ?? {});
        break;
      default: {
        const list = inp.other.get(so.object.kind) ?? [];
        list.push(so);
        inp.other.set(so.object.kind, list);
      }
    }
  }
  for (const list of [
    inp.gatewayClasses,
    inp.gateways,
    inp.listenerSets,
    inp.httpRoutes,
    inp.grpcRoutes,
    inp.tlsRoutes,
    inp.tcpRoutes,
    inp.udpRoutes,
    inp.backendTLSPolicies,
    inp.ingresses,
    inp.ingressClasses,
  ]) {
    sortByAge(list as Array<{ metadata: { creationTimestamp?: string; namespace?: string; name: string } }>);
  }
  return inp;
}

export function namespaceLabels(inp: Inputs, ns: string): Record<string, string> {
  // A namespace without a Namespace object still has the label Kubernetes always sets.
  return { "kubernetes.io/metadata.name": ns, ...(inp.namespaceLabels.get(ns) ?? {}) };
}
