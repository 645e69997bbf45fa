// Mid-test mutations (Client.Patch / Delete, Applier.MustApplyObjectsWithCleanup) emulated
// offline: each one edits the loaded objects the way the Go test does, bumps metadata.generation
// like the API server does on a spec change, and the harness compiles again before checking the
// assertions that follow it. Transcribed by hand from the v1.6.1 Go sources
// (conformance/tests/<test>.go, the lines cited).
//
// Each step is keyed to the line of the Go test body whose call makes the edit: a status assertion
// sees every step on an earlier line and none on a later one. cases.json lists each mutation call
// it found (statusAssertions entries such as `suite.Client.Patch`) once, at the line of the call
// itself, which for an edit made inside a helper is the helper's line, not the call site's; a step
// says so with `listedAt`. The harness checks that every listed mutation is accounted for by a
// step, and every step by a listed mutation, so a drift between the two shows up.
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

const SHARED_CA_CM = "tls-checks-ca-certificate";
const RECONCILE_CM = "tls-checks-ca-certificate-reconcile-test";
const caData = (cm: Obj): string => String((cm.data as Record<string, string> | undefined)?.["ca.crt"] ?? "");

/** backendtlspolicy.go:247-257 patchConfigMapCACert: a ConfigMap has no spec, so no generation bump. */
function setCaData(value: (objects: StoredObjectLike[]) => string): Mutation {
  return (objects) => {
    const cm = find(objects, "ConfigMap", INFRA, RECONCILE_CM);
    cm.data = { ...((cm.data as Record<string, string> | undefined) ?? {}), "ca.crt": value(objects) };
    return objects;
  };
}

function create(make: (objects: StoredObjectLike[]) => StoredObjectLike): Mutation {
  return (objects) => [...objects, make(objects)];
}

/** One emulated edit. */
export interface MutationStep {
  /** Line of conformance/tests/<test>.go whose call makes the edit (in the test body). */
  line: number;
  /** Line cases.json lists the edit at, when not `line`: the edit is made inside a helper called at `line`. */
  listedAt?: number;
  apply: Mutation;
}

/** An edit the harness makes before checking anything, for traffic groups (which carry no line). */
export interface InitialMutation {
  /** Line cases.json lists the edit at. */
  listedAt: number;
  apply: Mutation;
}

/**
 * Per test: `initial` edits happen before any check (e.g. the EndpointSlice patch of
 * HTTPRouteServiceTypes, which only matters to its requests); `steps`, in line order, are
 * replayed between the status assertions around their line.
 */
export const MUTATIONS: Record<string, { initial?: InitialMutation[]; steps?: MutationStep[] }> = {
  // gateway-static-addresses.go:95 and :116 drop the unsupported, then the unusable address.
  GatewayStaticAddresses: {
    steps: [
      {
        line: 98,
        apply: patch("Gateway", INFRA, "gateway-static-addresses", (o) => {
          const s = spec(o);
          s.addresses = (s.addresses as Array<{ type?: string }>).filter((a) => a.type !== "test/fake-invalid-type");
        }),
      },
      {
        line: 119,
        apply: patch("Gateway", INFRA, "gateway-static-addresses", (o) => {
          const s = spec(o);
          s.addresses = (s.addresses as Array<{ value?: string }>).slice(1);
        }),
      },
    ],
  },
  // gateway-modify-listeners.go:76 / :163: add listener "http" (port 80, data.test.com, from All) to
  // gateway-add-listener; keep only listener "http" of gateway-remove-listener.
  GatewayModifyListeners: {
    steps: [
      {
        line: 76,
        apply: patch("Gateway", INFRA, "gateway-add-listener", (o) => {
          const s = spec(o);
          s.listeners = [
            ...(s.listeners as unknown[]),
            { name: "http", port: 80, protocol: "HTTP", hostname: "data.test.com", allowedRoutes: { namespaces: { from: "All" } } },
          ];
        }),
      },
      {
        line: 163,
        apply: patch("Gateway", INFRA, "gateway-remove-listener", (o) => {
          const s = spec(o);
          s.listeners = (s.listeners as Array<{ name: string }>).filter((l) => l.name === "http");
        }),
      },
    ],
  },
  // gatewayclass-observed-generation-bump.go:63 sets spec.description (Patch at :65).
  GatewayClassObservedGenerationBump: {
    steps: [{ line: 65, apply: patch("GatewayClass", undefined, "gatewayclass-observed-generation-bump", (o) => void (spec(o).description = "new")) }],
  },
  // gateway-observed-generation-bump.go:66 adds a listener "alternate" (port 80, foo.com; Patch at :76).
  GatewayObservedGenerationBump: {
    steps: [
      {
        line: 76,
        apply: patch("Gateway", INFRA, "gateway-observed-generation-bump", (o) => {
          const s = spec(o);
          s.listeners = [
            ...(s.listeners as unknown[]),
            { name: "alternate", hostname: "foo.com", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } },
          ];
        }),
      },
    ],
  },
  // httproute-observed-generation-bump.go:65 points the first backendRef at infra-backend-v2 (Patch at :66).
  HTTPRouteObservedGenerationBump: {
    steps: [
      {
        line: 66,
        apply: patch("HTTPRoute", INFRA, "observed-generation-bump", (o) => {
          const rules = spec(o).rules as Array<{ backendRefs: Array<{ name: string }> }>;
          rules[0]!.backendRefs[0]!.name = "infra-backend-v2";
        }),
      },
    ],
  },
  // backendtlspolicy-observed-generation-bump.go:70 changes validation.hostname (Patch at :71).
  BackendTLSPolicyObservedGenerationBump: {
    steps: [
      {
        line: 71,
        apply: patch("BackendTLSPolicy", INFRA, "observed-generation-bump", (o) => {
          (spec(o).validation as Record<string, unknown>).hostname = "foo.example.com";
        }),
      },
    ],
  },
  // httproute-reference-grant.go:73 deletes the ReferenceGrant, then expects 500.
  HTTPRouteReferenceGrant: { steps: [{ line: 73, apply: remove("ReferenceGrant", "gateway-conformance-web-backend", "reference-grant") }] },
  // httproute-service-types.go patches the selector-less EndpointSlices with infra-backend-v1's
  // pod addresses before sending requests (klient.Patch at :162).
  HTTPRouteServiceTypes: {
    initial: [
      {
        listedAt: 162,
        apply: (objects, env) => {
          const ips = [...env.pods.values()].filter((p) => p.namespace === INFRA && p.deployment === "infra-backend-v1").map((p) => p.ip);
          for (const name of ["manual-endpointslices-ip4", "headless-manual-endpointslices-ip4"]) {
            const o = find(objects, "EndpointSlice", INFRA, name);
            o.endpoints = ips.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } }));
          }
          return objects;
        },
      },
    ],
  },
  // backendtlspolicy.go, subtest "Changing the content of a ConfigMap used by BackendTLSPolicy as
  // CA certificate should be reconciled by the controller" (:165-243).
  BackendTLSPolicy: {
    steps: [
      // :196-206: policy reconcile-test now trusts only ConfigMap
      // tls-checks-ca-certificate-reconcile-test, which does not exist yet (a merge patch replaces
      // the whole caCertificateRefs list).
      {
        line: 206,
        apply: patch("BackendTLSPolicy", INFRA, "reconcile-test", (o) => {
          (spec(o).validation as Record<string, unknown>).caCertificateRefs = [{ group: "", kind: "ConfigMap", name: RECONCILE_CM }];
        }),
      },
      // :173-189, :222: that ConfigMap is created with ca.crt copied from the shared
      // tls-checks-ca-certificate (read at :175-177, before any edit).
      {
        line: 222,
        apply: create((objects) => {
          const shared = objects.find((x) => x.object.kind === "ConfigMap" && x.object.metadata.namespace === INFRA && x.object.metadata.name === SHARED_CA_CM);
          if (!shared) throw new Error(`mutation: ConfigMap ${INFRA}/${SHARED_CA_CM} not loaded`);
          const object = {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: RECONCILE_CM, namespace: INFRA, generation: 1 },
            data: { "ca.crt": caData(shared.object as unknown as Obj) },
          };
          return { ...shared, key: `ConfigMap/${INFRA}/${RECONCILE_CM}`, object: object as unknown as StoredObjectLike["object"] };
        }),
      },
      // :226 patchConfigMapCACert(..., ""): the helper (:247-257) sets data["ca.crt"] = "" and
      // patches it at :255, the line cases.json lists (once, for both calls).
      { line: 226, listedAt: 255, apply: setCaData(() => "") },
      // :231 patchConfigMapCACert(..., originalCAData): the same helper puts the original CA back.
      {
        line: 231,
        listedAt: 255,
        apply: setCaData((objects) => caData(find(objects, "ConfigMap", INFRA, SHARED_CA_CM))),
      },
      // :236-241: caCertificateRefs restored to the manifest's (tls-checks-ca-certificate).
      {
        line: 241,
        apply: patch("BackendTLSPolicy", INFRA, "reconcile-test", (o) => {
          (spec(o).validation as Record<string, unknown>).caCertificateRefs = [{ group: "", kind: "ConfigMap", name: SHARED_CA_CM }];
        }),
      },
    ],
  },
};
