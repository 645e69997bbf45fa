// GATEWAY-TCP and GATEWAY-UDP of the v1.6.1 suite (TCPRoute, UDPRoute), offline: every assertion of
// the 17 Go tests (conformance/tests/{tcp,udp}route-*.go at tag v1.6.1, transcribed here; the
// shared cases.json carries only HTTP and gRPC) checked against edgegate's computed status and the
// IR's L4 listeners: which Service's pods a connection to a listener reaches, with what share.
// The manifests are read in place with the harness's inputs (base, placeholders, EndpointSlices).
import { describe, expect, test } from "bun:test";
import { compile } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { parseFile } from "../../src/sources/files/parse.ts";
import type { StoredObject } from "../../src/store/types.ts";
import type { IrCluster, IrListener } from "../../src/ir/types.ts";
import { allPods } from "./harness/backends.ts";
import { certificates } from "./harness/certs.ts";
import { testInputs } from "./harness/inputs.ts";
import { loadBackends } from "./harness/suite.ts";

const NS = "gateway-conformance-infra";
const CONTROLLER = "edgegate.io/gateway-controller";
const backends = loadBackends();
const pods = allPods(backends);
const certs = certificates();

interface Cond {
  type: string;
  status: string;
  reason: string;
}
interface Compiled {
  objects: StoredObject[];
  status: ReturnType<typeof compile>["status"];
  listeners: IrListener[];
  clusters: Map<string, IrCluster>;
}

function load(manifest: string, extra = ""): StoredObject[] {
  const out: StoredObject[] = [];
  const inputs = testInputs([`conformance/tests/${manifest}`], CONTROLLER, backends, pods, certs);
  if (extra) inputs.push({ file: "(test) extra.yaml", text: extra });
  for (const i of inputs) {
    const r = parseFile(i.file, i.text);
    expect(r.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([]);
    out.push(...r.objects);
  }
  // As the API server would: generation 1 and creation times in apply order.
  let t = Date.UTC(2026, 0, 1);
  return out.map((o) => ({
    ...o,
    object: { ...o.object, metadata: { generation: 1, creationTimestamp: new Date((t += 1000)).toISOString().replace(/\.\d+Z$/, "Z"), ...o.object.metadata } },
  }));
}

function run(objects: StoredObject[]): Compiled {
  const config = { ...defaultConfig("conformance"), controllerName: CONTROLLER };
  config.exposure = { ...config.exposure, addressPool: ["127.0.1.1-127.0.1.254"] };
  const r = compile({ objects, config });
  return { objects, status: r.status, listeners: r.ir.listeners, clusters: new Map(r.ir.clusters.map((c) => [c.name, c])) };
}

function routeParents(
  c: Compiled,
  kind: string,
  name: string,
  ns = NS,
): Array<{ parentRef: { name: string; kind?: string; group?: string; namespace?: string }; controllerName: string; conditions: Cond[] }> {
  const s = c.status.find((x) => x.kind === kind && x.name === name && "namespace" in x && x.namespace === ns);
  return s && "parents" in s.status ? (s.status.parents as never) : [];
}
function routeCondition(c: Compiled, kind: string, name: string, gw: string, type: string, ns = NS): Omit<Cond, "type"> | undefined {
  const p = routeParents(c, kind, name, ns).find((x) => x.parentRef.name === gw);
  const cond = p?.conditions.find((x) => x.type === type);
  return cond ? { status: cond.status, reason: cond.reason } : undefined;
}
function gatewayListeners(
  c: Compiled,
  gw: string,
): Array<{ name: string; attachedRoutes: number; supportedKinds: Array<{ group: string; kind: string }>; conditions: Cond[] }> {
  const s = c.status.find((x) => x.kind === "Gateway" && x.name === gw);
  return s && "listeners" in s.status ? (s.status.listeners as never) : [];
}

/** Share of connections to listener `section` of Gateway `gw` that each backend Deployment's pods get. */
function reaches(c: Compiled, gw: string, section: string): Record<string, number> {
  const l = c.listeners.find((x) =>
    x.origins.some((o) => o.owner.kind === "Gateway" && o.owner.namespace === NS && o.owner.name === gw && o.section === section),
  );
  if (!l) return {};
  const split = l.tcp ? l.tcp.backends.map((b) => ({ cluster: b.cluster!, weight: b.weight })) : l.udp ? [{ cluster: l.udp.cluster, weight: 1 }] : [];
  const total = split.reduce((a, b) => a + b.weight, 0);
  const byIp = new Map([...pods.values()].map((p) => [p.ip, p]));
  const out: Record<string, number> = {};
  for (const s of split) {
    const eps = c.clusters.get(s.cluster)?.endpoints ?? [];
    const epTotal = eps.reduce((a, e) => a + (e.weight ?? 1), 0);
    for (const e of eps) {
      const d = byIp.get(e.address)?.deployment ?? `?${e.address}`;
      out[d] = Math.round(((out[d] ?? 0) + (s.weight / total) * ((e.weight ?? 1) / epTotal)) * 1000) / 1000;
    }
  }
  return out;
}

const accepted = { status: "True", reason: "Accepted" };

describe("GATEWAY-TCP (TCPRoute)", () => {
  test("TCPRouteInvalidBackendRefNonexistent: ResolvedRefs=False BackendNotFound", () => {
    const c = run(load("tcproute-invalid-backendref-nonexistent.yaml"));
    expect(routeCondition(c, "TCPRoute", "tcp-route-invalid-backend-ref-nonexistent", "tcp-gateway-invalid-backend", "ResolvedRefs")).toEqual({
      status: "False",
      reason: "BackendNotFound",
    });
  });
  test("TCPRouteInvalidCrossNamespaceBackendRef: Accepted, ResolvedRefs=False RefNotPermitted", () => {
    const c = run(load("tcproute-invalid-cross-namespace-backend-ref.yaml"));
    const r = "tcp-invalid-cross-namespace-backend-ref";
    expect(routeCondition(c, "TCPRoute", r, "tcp-invalid-cross-namespace-backend-ref-gateway", "Accepted")).toEqual(accepted);
    expect(routeCondition(c, "TCPRoute", r, "tcp-invalid-cross-namespace-backend-ref-gateway", "ResolvedRefs")).toEqual({
      status: "False",
      reason: "RefNotPermitted",
    });
  });
  test("TCPRouteInvalidNonTCPListener: Accepted=False NotAllowedByListeners, 0 attached routes", () => {
    const c = run(load("tcproute-invalid-non-tcp-listener.yaml"));
    expect(routeCondition(c, "TCPRoute", "tcp-route", "tcp-mixed-protocol-gateway", "Accepted")).toEqual({ status: "False", reason: "NotAllowedByListeners" });
    expect(gatewayListeners(c, "tcp-mixed-protocol-gateway").map((l) => l.attachedRoutes)).toEqual(
      gatewayListeners(c, "tcp-mixed-protocol-gateway").map(() => 0),
    );
  });
  test("TCPRouteMultipleRoutesAttachment: both Accepted, attachedRoutes 2, only the oldest serves", () => {
    const newer = `apiVersion: gateway.networking.k8s.io/v1
kind: TCPRoute
metadata: {name: tcproute-attach-newer, namespace: ${NS}}
spec:
  parentRefs: [{name: tcp-multi-route-attach-gateway, sectionName: tcp}]
  rules: [{backendRefs: [{name: tcp-attach-backend-2, port: 3000}]}]
`;
    const c = run(load("tcproute-multiple-routes-attachment.yaml", newer));
    expect(routeCondition(c, "TCPRoute", "tcproute-attach-older", "tcp-multi-route-attach-gateway", "Accepted")).toEqual(accepted);
    expect(routeCondition(c, "TCPRoute", "tcproute-attach-newer", "tcp-multi-route-attach-gateway", "Accepted")).toEqual(accepted);
    const [l] = gatewayListeners(c, "tcp-multi-route-attach-gateway");
    expect(l).toMatchObject({ name: "tcp", attachedRoutes: 2, supportedKinds: [{ group: "gateway.networking.k8s.io", kind: "TCPRoute" }] });
    expect(l!.conditions.find((x) => x.type === "Accepted")).toMatchObject({ status: "True", reason: "Accepted" });
    expect(reaches(c, "tcp-multi-route-attach-gateway", "tcp")).toEqual({ "tcp-attach-backend-1": 1 });
  });
  test("TCPRouteParentRefAttachAll: one parent Accepted; every listener reaches tcp-echo-attach-all", () => {
    const c = run(load("tcproute-parentref-attach-all.yaml"));
    expect(
      routeParents(c, "TCPRoute", "tcp-route-attach-all").map((p) => [p.parentRef, p.controllerName, p.conditions.find((x) => x.type === "Accepted")?.status]),
    ).toEqual([[{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "tcp-attach-all-gateway", namespace: NS }, CONTROLLER, "True"]]);
    for (const l of ["one", "two", "three", "four"]) expect(reaches(c, "tcp-attach-all-gateway", l)).toEqual({ "tcp-echo-attach-all": 1 });
  });
  test("TCPRouteParentRefPortAndSectionName: by port, by sectionName, by both", () => {
    const c = run(load("tcproute-parentref-port-and-section-name.yaml"));
    for (const [route, listener, backend] of [
      ["tcp-route-by-port", "one", "tcp-echo-one"],
      ["tcp-route-by-section", "two", "tcp-echo-two"],
      ["tcp-route-by-section-and-port", "three", "tcp-echo-three"],
    ] as const) {
      expect(routeCondition(c, "TCPRoute", route, "tcp-multi-listener-gateway", "Accepted")).toEqual(accepted);
      expect(reaches(c, "tcp-multi-listener-gateway", listener)).toEqual({ [backend]: 1 });
    }
  });
  test("TCPRouteReferenceGrant: reaches the granted backend; without the grant, RefNotPermitted", () => {
    const objects = load("tcproute-reference-grant.yaml");
    const c = run(objects);
    expect(routeCondition(c, "TCPRoute", "tcp-reference-grant", "tcp-reference-grant-gateway", "Accepted")).toEqual(accepted);
    expect(reaches(c, "tcp-reference-grant-gateway", "tcp")).toEqual({ "tcp-reference-grant-backend": 1 });
    const without = run(objects.filter((o) => !(o.object.kind === "ReferenceGrant" && o.object.metadata.name === "tcp-reference-grant")));
    expect(routeCondition(without, "TCPRoute", "tcp-reference-grant", "tcp-reference-grant-gateway", "ResolvedRefs")).toEqual({
      status: "False",
      reason: "RefNotPermitted",
    });
  });
  test("TCPRouteWeightedRouting: 0.7 / 0.3 / 0", () => {
    const c = run(load("tcproute-weighted-routing.yaml"));
    expect(routeCondition(c, "TCPRoute", "tcp-weighted-route", "tcp-weighted-gateway", "Accepted")).toEqual(accepted);
    expect(reaches(c, "tcp-weighted-gateway", "tcp")).toEqual({ "tcp-backend-v1": 0.7, "tcp-backend-v2": 0.3 });
  });
});

describe("GATEWAY-UDP (UDPRoute)", () => {
  test("UDPRouteInvalidBackendRefNonexistent: ResolvedRefs=False BackendNotFound", () => {
    const c = run(load("udproute-invalid-backendref-nonexistent.yaml"));
    expect(routeCondition(c, "UDPRoute", "udp-route-invalid-backend-ref-nonexistent", "udp-gateway-invalid-backend", "ResolvedRefs")).toEqual({
      status: "False",
      reason: "BackendNotFound",
    });
  });
  test("UDPRouteInvalidCrossNamespaceBackendRef: Accepted, ResolvedRefs=False RefNotPermitted", () => {
    const c = run(load("udproute-invalid-cross-namespace-backend-ref.yaml"));
    const r = "udp-route-invalid-cross-namespace-backend-ref";
    expect(routeCondition(c, "UDPRoute", r, "udp-gateway-invalid-cross-namespace-backend-ref", "Accepted")).toEqual(accepted);
    expect(routeCondition(c, "UDPRoute", r, "udp-gateway-invalid-cross-namespace-backend-ref", "ResolvedRefs")).toEqual({
      status: "False",
      reason: "RefNotPermitted",
    });
  });
  test("UDPRouteMultipleRoutesAttachment: both Accepted, attachedRoutes 2, only the oldest serves", () => {
    const newer = `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: UDPRoute
metadata: {name: udproute-attach-newer, namespace: ${NS}}
spec:
  parentRefs: [{name: udp-multi-route-attach-gateway, sectionName: udp}]
  rules: [{backendRefs: [{name: udp-attach-backend-2, port: 53}]}]
`;
    const c = run(load("udproute-multiple-routes-attachment.yaml", newer));
    expect(routeCondition(c, "UDPRoute", "udproute-attach-older", "udp-multi-route-attach-gateway", "Accepted")).toEqual(accepted);
    expect(routeCondition(c, "UDPRoute", "udproute-attach-newer", "udp-multi-route-attach-gateway", "Accepted")).toEqual(accepted);
    expect(gatewayListeners(c, "udp-multi-route-attach-gateway")[0]).toMatchObject({ name: "udp", attachedRoutes: 2 });
    expect(reaches(c, "udp-multi-route-attach-gateway", "udp")).toEqual({ "udp-attach-backend-1": 1 });
  });
  test("UDPRouteNotAllowedByListeners: Accepted=False NotAllowedByListeners, 0 attached routes", () => {
    const c = run(load("udproute-not-allowed-by-listeners.yaml"));
    expect(routeCondition(c, "UDPRoute", "udproute-not-allowed-by-listeners", "udproute-tls-only-gateway", "Accepted")).toEqual({
      status: "False",
      reason: "NotAllowedByListeners",
    });
    expect(gatewayListeners(c, "udproute-tls-only-gateway").every((l) => l.attachedRoutes === 0)).toBe(true);
  });
  test("UDPRouteParentRefAttachAllListeners: three listeners, 1 attached route each, all reach udp-echo-attach-all", () => {
    const c = run(load("udproute-parentref-attach-all-listeners.yaml"));
    expect(routeParents(c, "UDPRoute", "udp-route-attach-all").map((p) => p.conditions.find((x) => x.type === "Accepted")?.status)).toEqual(["True"]);
    const ls = gatewayListeners(c, "udp-attach-all-listeners-gateway");
    expect(
      ls.map((l) => [l.name, l.attachedRoutes, l.supportedKinds, ["Accepted", "ResolvedRefs"].map((t) => l.conditions.find((x) => x.type === t)?.status)]),
    ).toEqual(["udp-1", "udp-2", "udp-3"].map((n) => [n, 1, [{ group: "gateway.networking.k8s.io", kind: "UDPRoute" }], ["True", "True"]]));
    for (const l of ["udp-1", "udp-2", "udp-3"]) expect(reaches(c, "udp-attach-all-listeners-gateway", l)).toEqual({ "udp-echo-attach-all": 1 });
  });
  test("UDPRouteParentRefPortAndSectionName: by port, by sectionName, by both", () => {
    const c = run(load("udproute-parentref-port-and-section-name.yaml"));
    for (const [route, listener, backend] of [
      ["udp-route-by-port", "by-port", "udp-echo-by-port"],
      ["udp-route-by-section", "by-section", "udp-echo-by-section"],
      ["udp-route-by-section-and-port", "by-section-and-port", "udp-echo-by-section-and-port"],
    ] as const) {
      expect(routeCondition(c, "UDPRoute", route, "udp-multi-listener-gateway", "Accepted")).toEqual(accepted);
      expect(reaches(c, "udp-multi-listener-gateway", listener)).toEqual({ [backend]: 1 });
    }
  });
  test("UDPRouteReferenceGrant: ResolvedRefs with the grant, RefNotPermitted without", () => {
    const objects = load("udproute-reference-grant.yaml");
    const c = run(objects);
    expect(routeCondition(c, "UDPRoute", "udp-route-reference-grant", "udp-gateway-reference-grant", "ResolvedRefs")).toEqual({
      status: "True",
      reason: "ResolvedRefs",
    });
    const without = run(objects.filter((o) => !(o.object.kind === "ReferenceGrant" && o.object.metadata.name === "udp-reference-grant")));
    expect(routeCondition(without, "UDPRoute", "udp-route-reference-grant", "udp-gateway-reference-grant", "ResolvedRefs")).toEqual({
      status: "False",
      reason: "RefNotPermitted",
    });
  });
  test("UDPRoute: the simple route to coredns is Accepted and served", () => {
    const c = run(load("udproute-simple.yaml"));
    expect(routeCondition(c, "UDPRoute", "udp-coredns", "udp-gateway", "Accepted")).toEqual(accepted);
    const l = c.listeners.find((x) => x.origins.some((o) => o.owner.namespace === NS && o.owner.name === "udp-gateway"));
    expect(l?.udp?.cluster).toContain("coredns");
  });
  test("UDPRouteWeightedRouting: 0.7 / 0.3 / 0 through one weighted cluster", () => {
    const c = run(load("udproute-weighted-routing.yaml"));
    expect(routeCondition(c, "UDPRoute", "udp-weighted-route", "udp-weighted-gateway", "Accepted")).toEqual(accepted);
    expect(reaches(c, "udp-weighted-gateway", "udp")).toEqual({ "udp-backend-v1": 0.7, "udp-backend-v2": 0.3 });
  });
});
