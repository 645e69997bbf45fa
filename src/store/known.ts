// The typed view of a stored object. Admission (admit.ts) checked each object against its kind's
// validator (src/validate/kinds/), which is what makes the shapes in src/kinds true: this is
// the one place a stored object becomes its typed resource.
import type { StoredObject } from "./types.ts";
import type * as api from "../kinds/gateway-api.ts";
import type * as core from "../kinds/core.ts";
import type { GatewayNetworkPolicy } from "../policy/types.ts";

/** Every kind with a typed resource, told apart by `kind`. */
export type KnownObject =
  | api.GatewayClass
  | api.Gateway
  | api.ListenerSet
  | api.HTTPRoute
  | api.GRPCRoute
  | api.TLSRoute
  | api.TCPRoute
  | api.UDPRoute
  | api.ReferenceGrant
  | api.BackendTLSPolicy
  | core.Ingress
  | core.IngressClass
  | core.Service
  | core.EndpointSlice
  | core.Secret
  | core.ConfigMap
  | core.Namespace
  | GatewayNetworkPolicy;

type KnownKind = KnownObject["kind"];

// A Record over KnownKind, so adding a member to KnownObject without listing it here fails to compile.
const knownKinds: Record<KnownKind, true> = {
  GatewayClass: true,
  Gateway: true,
  ListenerSet: true,
  HTTPRoute: true,
  GRPCRoute: true,
  TLSRoute: true,
  TCPRoute: true,
  UDPRoute: true,
  ReferenceGrant: true,
  BackendTLSPolicy: true,
  Ingress: true,
  IngressClass: true,
  Service: true,
  EndpointSlice: true,
  Secret: true,
  ConfigMap: true,
  Namespace: true,
  GatewayNetworkPolicy: true,
};

/** The typed resource of a stored object; undefined for kinds read without one (GatewayClassConfig). */
export function known(so: StoredObject): KnownObject | undefined {
  return Object.hasOwn(knownKinds, so.object.kind) ? (so.object as unknown as KnownObject) : undefined;
}

/** The typed resources of one kind, in store order. */
export function ofKind<K extends KnownKind>(objects: readonly StoredObject[], kind: K): Array<Extract<KnownObject, { kind: K }>> {
  const out: Array<Extract<KnownObject, { kind: K }>> = [];
  for (const so of objects) {
    const o = known(so);
    if (o && isKind(o, kind)) out.push(o);
  }
  return out;
}

function isKind<K extends KnownKind>(o: KnownObject, kind: K): o is Extract<KnownObject, { kind: K }> {
  return o.kind === kind;
}
