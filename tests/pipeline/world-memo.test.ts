// The world memo (src/translate/world.ts) and the per-route attachment memo (src/gateway/memo.ts)
// are optimizations only: after any sequence of changes a memoized compile must give exactly what
// a fresh compile of the same objects gives (xDS, status, problems). 300 random steps mix
// route-only changes (the memo's fast path) with changes to the world (Services, Gateways,
// ReferenceGrants) that must start it over.
import { describe, expect, test } from "bun:test";
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile, CompileMemo } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { xdsToJson } from "../../src/xds/json.ts";
import { generate } from "../../bench/generate.ts";
import type { StoredObject } from "../../src/store/types.ts";
import { withServingProblems } from "../../src/validate/serving.ts";
import { rng } from "../helpers/rng.ts";

const config = defaultConfig("world-memo-test");

const edgeGateway = (extraListener: boolean): string => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  gatewayClassName: edgegate
  listeners:
  - {name: tcp, protocol: TCP, port: 9000, allowedRoutes: {namespaces: {from: All}}}
  - {name: udp, protocol: UDP, port: 9001, allowedRoutes: {namespaces: {from: All}}}
  - {name: web, protocol: HTTP, port: 8081, hostname: "*.edge.example.com", allowedRoutes: {namespaces: {from: All}}}
${extraListener ? `  - {name: extra, protocol: HTTP, port: 8082, allowedRoutes: {namespaces: {from: All}}}\n` : ""}`;

const service = (name: string, ns: string, ip: number): string =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${ns}, annotations: {edgegate.io/endpoints: "192.0.2.${ip}"}}\nspec: {ports: [{port: 8080}]}\n`;
const sliced = (ips: readonly string[], port: number, appProtocol = "http"): string =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: svc-e, namespace: default}\nspec: {ports: [{name: http, port: ${port}, appProtocol: ${appProtocol}}]}\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: svc-e-1, namespace: default, labels: {kubernetes.io/service-name: svc-e}}\naddressType: IPv4\nports: [{name: http, port: 9090}]\nendpoints:\n${ips.map((ip, i) => `- {addresses: ["${ip}"], conditions: {ready: ${i !== 1}}}\n`).join("")}`;
const grant = `apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: allow, namespace: other}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]\n  to: [{group: "", kind: Service}]\n`;

/** One Service's document in a generated file. */
function svcText(text: string, name: string): string {
  return text.split(/^---$/m).find((d) => d.includes("kind: Service") && d.includes(`name: ${name}\n`))!;
}

function routeText(r: () => number, name: string): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const backend = pick([
    "{name: svc-1, port: 8080}",
    "{name: svc-2, port: 8080, weight: 3}",
    "{name: made, port: 8080}",
    "{name: svc-x, namespace: other, port: 8080}",
    "{name: missing, port: 8080}",
    "{name: svc-e, port: 8080}",
  ]);
  switch (pick(["http", "http", "http", "grpc", "tcp", "udp", "edge-http"])) {
    case "http":
      return `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: ${name}, namespace: default}\nspec:\n  parentRefs: [{name: bench}]\n  hostnames: [host-${Math.floor(r() * 8)}.example.com]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: /${name}/${Math.floor(r() * 3)}}}]\n    backendRefs: [${backend}]\n`;
    case "edge-http":
      return `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: ${name}, namespace: default}\nspec:\n  parentRefs: [{name: edge, sectionName: ${pick(["web", "extra"])}}]\n  hostnames: [${pick(["a.edge.example.com", "b.example.com"])}]\n  rules:\n  - backendRefs: [${backend}]\n`;
    case "grpc":
      return `apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: ${name}, namespace: default}\nspec:\n  parentRefs: [{name: bench}]\n  hostnames: [grpc-${Math.floor(r() * 3)}.example.com]\n  rules:\n  - matches: [{method: {service: test.Echo, method: M${Math.floor(r() * 4)}}}]\n    backendRefs: [${backend}]\n`;
    case "tcp":
      return `apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: ${name}, namespace: default}\nspec:\n  parentRefs: [{name: edge, sectionName: tcp}]\n  rules:\n  - backendRefs: [${backend}]\n`;
    default:
      return `apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: UDPRoute\nmetadata: {name: ${name}, namespace: default}\nspec:\n  parentRefs: [{name: edge, sectionName: udp}]\n  rules:\n  - backendRefs: [${backend}]\n`;
  }
}

describe("world memo", () => {
  test("300 random route and world changes compile exactly as fresh compiles do", () => {
    const r = rng(17);
    // "Files" by name: a file's objects are parsed once per text, as the store keeps an unchanged
    // object's identity; the memos see unchanged objects as unchanged.
    const files = new Map<string, { text: string; objects: StoredObject[] }>();
    const put = (name: string, text: string): void => {
      if (files.get(name)?.text === text) return;
      files.set(name, { text, objects: parseFile(`${name}.yaml`, text).objects });
    };
    put("base", generate({ routes: 60, hostnames: 8, services: 20 }));
    put("edge", edgeGateway(false));
    put("svc-x", service("svc-x", "other", 9));
    put("svc-e", sliced(["198.51.100.1"], 8080));
    const memo = new CompileMemo();
    let routeOnly = 0;
    let reusedOnRouteOnly = 0;
    let attachHits = 0;
    let endpointsOnly = 0;
    let servicesChanged = 0;
    let gatewayHits = 0;
    for (let step = 0; step < 300; step++) {
      const routes = [...files.keys()].filter((k) => k.startsWith("route-"));
      const dice = r();
      let world = true;
      if (dice < 0.35) {
        world = false;
        put(`route-${Math.floor(r() * 40)}`, routeText(r, `new-${Math.floor(r() * 40)}`));
      } else if (dice < 0.55 && routes.length > 0) {
        world = false;
        const f = routes[Math.floor(r() * routes.length)]!;
        put(f, routeText(r, f.replace("route-", "new-")));
      } else if (dice < 0.7 && routes.length > 0) {
        world = false;
        files.delete(routes[Math.floor(r() * routes.length)]!);
      } else if (dice < 0.78) {
        if (files.has("made")) files.delete("made");
        else put("made", service("made", "default", 7));
      } else if (dice < 0.84) {
        if (files.has("grant")) files.delete("grant");
        else put("grant", grant);
      } else if (dice < 0.92) {
        put("edge", edgeGateway(files.get("edge")!.text === edgeGateway(false)));
      } else if (dice < 0.96) {
        // An endpoint change: a new address in the annotation (file mode's endpoints).
        put("svc-x", service("svc-x", "other", 10 + Math.floor(r() * 5)));
      } else {
        // EndpointSlice addresses and readiness change; now and then the Service's port too (not endpoints only)
        const ips = ["198.51.100.1", "198.51.100.2", "198.51.100.3"].slice(0, 1 + Math.floor(r() * 3));
        // (and its appProtocol, which keeps the cluster's name but not its protocol).
        put("svc-e", sliced(ips, r() < 0.2 ? 8081 : 8080, r() < 0.3 ? "kubernetes.io/h2c" : "http"));
      }
      const objects = [...files.values()].flatMap((f) => f.objects);
      const memoized = compile({ objects, config, memo });
      const fresh = compile({ objects, config });
      gatewayHits += memo.translate.gatewayHits;
      if (memo.translate.world.outcome === "endpoints") endpointsOnly++;
      if (memo.translate.world.outcome === "services") servicesChanged++;
      if (!world) {
        routeOnly++;
        if (memo.translate.world.reused) reusedOnRouteOnly++;
        attachHits += memo.translate.attachHits;
      }
      expect(JSON.stringify(xdsToJson(memoized.xds))).toBe(JSON.stringify(xdsToJson(fresh.xds)));
      expect(JSON.stringify(memoized.status)).toBe(JSON.stringify(fresh.status));
      expect(JSON.stringify(memoized.problems)).toBe(JSON.stringify(fresh.problems));
      // The not-serving problems, which are kept per remembered route status (validate/serving.ts).
      for (const unclaimed of [true, false])
        expect(JSON.stringify(withServingProblems(memoized.problems, memoized.status, objects, { unclaimed }))).toBe(
          JSON.stringify(withServingProblems(fresh.problems, fresh.status, objects, { unclaimed })),
        );
    }
    // The fast path really was taken: a route-only change reuses the world and the other routes' attachments.
    expect(routeOnly).toBeGreaterThan(100);
    expect(reusedOnRouteOnly).toBe(routeOnly);
    expect(attachHits).toBeGreaterThan(routeOnly * 50);
    // Endpoint-only changes kept the world (an EDS update) and still matched the fresh compiles.
    expect(endpointsOnly).toBeGreaterThan(10);
    // Services added, removed or re-shaped kept the world too, translating again only the routes that looked them up.
    expect(servicesChanged).toBeGreaterThan(10);
    // Gateways whose attached routes did not change kept their whole IR.
    expect(gatewayHits).toBeGreaterThan(50);
  }, 60_000);

  test("a route added to one Gateway reuses the other Gateway's IR; an endpoint change reuses both", () => {
    const edge = parseFile("edge.yaml", edgeGateway(false).replace(/ {2}- \{name: udp.*\n/, "")).objects;
    const objects = [...parseFile("base.yaml", generate({ routes: 100, hostnames: 5, services: 10 })).objects, ...edge];
    const memo = new CompileMemo();
    const first = compile({ objects, config, memo });
    const onEdge = parseFile(
      "r.yaml",
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: on-edge, namespace: default}\nspec:\n  parentRefs: [{name: edge, sectionName: web}]\n  hostnames: [a.edge.example.com]\n  rules:\n  - backendRefs: [{name: svc-1, port: 8080}]\n",
    ).objects;
    const added = [...objects, ...onEdge];
    const r = compile({ objects: added, config, memo });
    expect(JSON.stringify(r.status.find((x) => x.name === "on-edge"))).toContain('"reason":"Accepted"');
    expect(memo.translate.gatewayHits).toBe(1);
    expect(JSON.stringify(xdsToJson(r.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: added, config }).xds)));
    // The reused Gateway's Listener and RouteConfiguration are the very same messages (emit/memo.ts).
    const benchListener = (x: typeof r): unknown => x.xds.listeners.find((l) => l.name === "default/bench/80");
    const benchRoutes = (x: typeof r): unknown => x.xds.routes.find((rc) => rc.name === "default/bench/80");
    expect(benchListener(first)).toBeDefined();
    expect(benchRoutes(first)).toBeDefined();
    expect(benchListener(r)).toBe(benchListener(first));
    expect(benchRoutes(r)).toBe(benchRoutes(first));
    const svc1 = added.find((o) => o.key === "Service/default/svc-1")!;
    expect(svc1).toBeDefined();
    const text = generate({ routes: 100, hostnames: 5, services: 10 });
    const svc = parseFile("s.yaml", svcText(text, "svc-1").replace(/edgegate.io\/endpoints: "?[^"\n]*"?/, 'edgegate.io/endpoints: "192.0.2.99"')).objects[0]!;
    const moved = added.map((o) => (o === svc1 ? svc : o));
    const e = compile({ objects: moved, config, memo });
    expect(memo.translate.world.outcome).toBe("endpoints");
    expect(memo.translate.gatewayHits).toBe(2);
    expect(JSON.stringify(xdsToJson(e.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: moved, config }).xds)));
    // Two compiles later, one bench route edited: its Gateway is built again, but the hostnames
    // the edit did not touch keep their sorted routes from before the reuses.
    compile({ objects: moved, config, memo });
    const route0 = moved.find((o) => o.key === "HTTPRoute/default/route-0")!;
    const edited = parseFile(
      "e.yaml",
      JSON.stringify({ ...route0.object, spec: { ...(route0.object.spec as object), rules: [{ backendRefs: [{ name: "svc-2", port: 8080 }] }] } }),
    ).objects[0]!;
    const withEdit = moved.map((o) => (o === route0 ? edited : o));
    const x = compile({ objects: withEdit, config, memo });
    expect(memo.translate.gatewayHits).toBe(1);
    expect(memo.translate.hostHits).toBe(4);
    expect(JSON.stringify(xdsToJson(x.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: withEdit, config }).xds)));
    // ...and so do their emitted virtual hosts, kept through the compiles that reused the whole configuration.
    const hosts = (x: typeof r): readonly unknown[] => x.xds.routes.find((rc) => rc.name === "default/bench/80")!.virtualHosts;
    expect(hosts(x).filter((h, i) => h === hosts(first)[i]).length).toBe(4);
  });

  test("a Gateway with a UDP listener is built every time: its composite cluster stays listed", () => {
    const udp =
      "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: UDPRoute\nmetadata: {name: dns, namespace: default}\nspec:\n  parentRefs: [{name: edge, sectionName: udp}]\n  rules:\n  - backendRefs: [{name: svc-1, port: 8080, weight: 1}, {name: svc-2, port: 8080, weight: 3}]\n";
    const objects = [
      ...parseFile("base.yaml", generate({ routes: 20, hostnames: 2, services: 3 })).objects,
      ...parseFile("edge.yaml", edgeGateway(false)).objects,
      ...parseFile("udp.yaml", udp).objects,
    ];
    const memo = new CompileMemo();
    compile({ objects, config, memo });
    const added = [
      ...objects,
      ...parseFile(
        "r.yaml",
        routeText(() => 0, "added"),
      ).objects,
    ];
    const r = compile({ objects: added, config, memo });
    const fresh = JSON.stringify(xdsToJson(compile({ objects: added, config }).xds));
    expect(fresh).toContain("default/dns/udp");
    expect(JSON.stringify(xdsToJson(r.xds))).toBe(fresh);
  });

  test("a Gateway with no routes follows a change of the translate options (its listeners' bind address)", () => {
    const objects = parseFile("base.yaml", generate({ routes: 0, hostnames: 1, services: 1 })).objects;
    const memo = new CompileMemo();
    const before = compile({ objects, config, memo });
    expect(JSON.stringify(xdsToJson(before.xds))).toContain('"0.0.0.0"');
    const moved = { ...config, exposure: { ...config.exposure, bindAddress: "127.0.0.2" } };
    const after = compile({ objects, config: moved, memo });
    expect(JSON.stringify(xdsToJson(after.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects, config: moved }).xds)));
    expect(JSON.stringify(xdsToJson(after.xds))).toContain('"127.0.0.2"');
  });

  test("a world change starts over; a route change reuses every other route's attachment", () => {
    const objects = parseFile("base.yaml", generate({ routes: 100, hostnames: 5, services: 10 })).objects;
    const memo = new CompileMemo();
    compile({ objects, config, memo });
    const added = [...objects, ...parseFile("r.yaml", routeText(rng(1), "added")).objects];
    compile({ objects: added, config, memo });
    expect(memo.translate.world.reused).toBe(true);
    expect(memo.translate.attachHits).toBe(100);
    // A Service created: only routes that looked it up are translated again (none here).
    const svc = parseFile("s.yaml", service("made", "default", 3)).objects;
    const withSvc = [...objects, ...svc];
    compile({ objects: withSvc, config, memo });
    expect(memo.translate.world.outcome).toBe("services");
    expect(memo.translate.attachHits).toBe(100);
    // One that looks it up, then the Service removed: that route is translated again, as a fresh compile says.
    const user = parseFile(
      "u.yaml",
      routeText(() => 0.45, "user"),
    ).objects;
    compile({ objects: [...withSvc, ...user], config, memo });
    const gone = [...objects, ...user];
    const r = compile({ objects: gone, config, memo });
    expect(memo.translate.world.outcome).toBe("services");
    expect(memo.translate.attachHits).toBe(100);
    expect(JSON.stringify(xdsToJson(r.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: gone, config }).xds)));
    expect(JSON.stringify(r.status)).toBe(JSON.stringify(compile({ objects: gone, config }).status));
    // Anything else that is not a route (a ReferenceGrant) starts over.
    compile({ objects: [...gone, ...parseFile("g.yaml", grant).objects], config, memo });
    expect(memo.translate.world.reused).toBe(false);
    expect(memo.translate.attachHits).toBe(0);
  });

  test("a held-back route's condition does not stay on the remembered status", () => {
    const objects = parseFile("base.yaml", generate({ routes: 5, hostnames: 2, services: 3 })).objects;
    const memo = new CompileMemo();
    const held = compile({ objects, config, memo, heldBack: new Map([["HTTPRoute/default/route-1", "rejected by a client"]]) });
    const heldStatus = held.status.find((s) => s.kind === "HTTPRoute" && s.name === "route-1");
    expect(JSON.stringify(heldStatus)).toContain("edgegate.io/XdsAccepted");
    const after = compile({ objects, config, memo });
    expect(memo.translate.attachHits).toBe(5);
    expect(JSON.stringify(after.status)).not.toContain("edgegate.io/XdsAccepted");
    expect(JSON.stringify(after.status)).toBe(JSON.stringify(compile({ objects, config }).status));
  });
});
