// Mid-test mutations (s.Client.Patch / Delete) emulated offline: each one edits the loaded
// objects the way the Go test does, bumps metadata.generation like the API server does on a spec
// change, and the harness compiles again before checking the assertions that follow it.
// Transcribed from the v1.6.1 Go sources (conformance/tests/<test>.go, the lines cited).
import type { StoredObjectLike } from "./pipeline.ts";
import type { Pod } from "./backends.ts";

export interface MutationEnv {
  pods: Map<string, Pod>;
}

/** Edits objects in place (or returns a new list when objects are deleted). */
export type Mutation = (objects: StoredObjectLike[], env: MutationEnv) => StoredObjectLike[];

type Obj = Record<string, unknown> & { metadata: { name: string; namespace?: string; generation?: number } };

function find(objects: StoredObjectLike[], kind: string, ns: string | undefined, name: string): Obj {
  const o = objects.find((x) => x.object.kind === kind && x.object.metadata.name === name && (ns === undefined || x.object.metadata.namespace === ns));
  if (!o) throw new Error(`mutation: ${kind} ${ns ?? ""}/${name} not loaded`);
  return o.object as unknown as Obj;
}

const spec = (o: Obj): Record<string, unknown> => o.spec as Record<string, unknown>;
const bump = (o: Obj): void => {
  o.metadata.generation = (o.metadata.generation ?? 1) + 1;
};
const INFRA = "gateway-conformance-infra";

function patch(kind: string, ns: string | undefined, name: string, edit: (o: Obj) => void): Mutation {
  return (objects) => {
    const o = find(objects, kind, ns, name);
    edit(o);
    bump(o);
    return objects;
  };
}

function remove(kind: string, ns: string, name: string): Mutation {
  return (objects) => objects.filter((x) => !(x.object.kind === kind && x.object.metadata.name === name && x.object.metadata.namespace === ns));
}

/**
 * Per test: `initial` mutations happen before any assertion the harness checks (e.g. the
 * EndpointSlice patch of HTTPRouteServiceTypes); `steps[i]` is the i-th Patch/Delete call.
 */
export const MUTATIONS: Record<string, { initial?: Mutation[]; steps?: Mutation[] }> = {
  // gateway-static-addresses.go:95 and :116 drop the unsupported, then the unusable address.
  GatewayStaticAddresses: {
    steps: [
      patch("Gateway", INFRA, "gateway-static-addresses", (o) => {
        const s = spec(o);
        s.addresses = (s.addresses as Array<{ type?: string }>).filter((a) => a.type !== "test/fake-invalid-type");
      }),
      patch("Gateway", INFRA, "gateway-static-addresses", (o) => {
        const s = spec(o);
        s.addresses = (s.addresses as Array<{ value?: string }>).slice(1);
      }),
    ],
  },
  // gateway-modify-listeners.go: add listener "http" (port 80, data.test.com, from All) to
  // gateway-add-listener; keep only listener "http" of gateway-remove-listener.
  GatewayModifyListeners: {
    steps: [
      patch("Gateway", INFRA, "gateway-add-listener", (o) => {
        const s = spec(o);
        s.listeners = [...(s.listeners as unknown[]), { name: "http", port: 80, protocol: "HTTP", hostname: "data.test.com", allowedRoutes: { namespaces: { from: "All" } } }];
      }),
      patch("Gateway", INFRA, "gateway-remove-listener", (o) => {
        const s = spec(o);
        s.listeners = (s.listeners as Array<{ name: string }>).filter((l) => l.name === "http");
      }),
    ],
  },
  // gatewayclass-observed-generation-bump.go:63 sets spec.description.
  GatewayClassObservedGenerationBump: {
    steps: [patch("GatewayClass", undefined, "gatewayclass-observed-generation-bump", (o) => void (spec(o).description = "new"))],
  },
  // gateway-observed-generation-bump.go:66 adds a listener "alternate" (port 80, foo.com).
  GatewayObservedGenerationBump: {
    steps: [
      patch("Gateway", INFRA, "gateway-observed-generation-bump", (o) => {
        const s = spec(o);
        s.listeners = [...(s.listeners as unknown[]), { name: "alternate", hostname: "foo.com", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }];
      }),
    ],
  },
  // httproute-observed-generation-bump.go:65 points the first backendRef at infra-backend-v2.
  HTTPRouteObservedGenerationBump: {
    steps: [
      patch("HTTPRoute", INFRA, "observed-generation-bump", (o) => {
        const rules = spec(o).rules as Array<{ backendRefs: Array<{ name: string }> }>;
        rules[0]!.backendRefs[0]!.name = "infra-backend-v2";
      }),
    ],
  },
  // backendtlspolicy-observed-generation-bump.go:70 changes validation.hostname.
  BackendTLSPolicyObservedGenerationBump: {
    steps: [
      patch("BackendTLSPolicy", INFRA, "observed-generation-bump", (o) => {
        (spec(o).validation as Record<string, unknown>).hostname = "foo.example.com";
      }),
    ],
  },
  // httproute-reference-grant.go:73 deletes the ReferenceGrant, then expects 500.
  HTTPRouteReferenceGrant: { steps: [remove("ReferenceGrant", "gateway-conformance-web-backend", "reference-grant")] },
  // httproute-service-types.go patches the selector-less EndpointSlices with infra-backend-v1's
  // pod addresses before sending requests.
  HTTPRouteServiceTypes: {
    initial: [
      (objects, env) => {
        const ips = [...env.pods.values()].filter((p) => p.namespace === INFRA && p.deployment === "infra-backend-v1").map((p) => p.ip);
        for (const name of ["manual-endpointslices-ip4", "headless-manual-endpointslices-ip4"]) {
          const o = find(objects, "EndpointSlice", INFRA, name);
          o.endpoints = ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } }));
        }
        return objects;
      },
    ],
  },
};
