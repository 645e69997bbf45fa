// Make-before-break, asserted the way Envoy would experience it: a scripted Envoy-like client
// (tests/xds/envoy-like.ts: Envoy's documented subscription, warming and rejection behaviour), in
// state of the world and in delta, follows a series of edits compiled by the real pipeline. After
// every response it receives, every listener it serves must route only to clusters it has and has
// warmed, and no api_listener may reach it. A client that NACKs keeps what its accepted
// configuration uses, and loses it once it accepted a configuration that no longer does.
import { describe, expect, test } from "bun:test";
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile, CompileMemo } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { EnvoyLike } from "./envoy-like.ts";
import { gatewayClass, gatewayYaml, grpcRouteYaml, serviceYaml } from "./pipeline-plane.ts";

function httpRoute(name: string, host: string, to: Record<string, number>): string {
  const refs = Object.entries(to).map(([svc, w]) => `{name: ${svc}, port: 9000, weight: ${w}}`);
  return `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: ${name}, namespace: default}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [${host}]\n  rules:\n  - backendRefs: [${refs.join(", ")}]\n`;
}

interface Step {
  what: string;
  listeners?: Record<string, number>;
  services: Record<string, number>;
  routes: string[];
}

function docs(s: Step): string {
  const svcs = Object.entries(s.services).map(([n, p]) => serviceYaml(n, [p]));
  return [gatewayClass, gatewayYaml(s.listeners ?? { http: 8080 }), ...svcs, ...s.routes].join("---\n");
}

const steps: Step[] = [
  { what: "one route", services: { "svc-a": 7001 }, routes: [httpRoute("r1", "a.example.com", { "svc-a": 1 })] },
  {
    what: "a second route to a new Service",
    services: { "svc-a": 7001, "svc-b": 7002 },
    routes: [httpRoute("r1", "a.example.com", { "svc-a": 1 }), httpRoute("r2", "b.example.com", { "svc-b": 1 })],
  },
  {
    what: "r1 moves to svc-b, svc-a deleted",
    services: { "svc-b": 7002 },
    routes: [httpRoute("r1", "a.example.com", { "svc-b": 1 }), httpRoute("r2", "b.example.com", { "svc-b": 1 })],
  },
  {
    what: "a weighted split onto a Service created with it",
    services: { "svc-b": 7002, "svc-c": 7003 },
    routes: [httpRoute("r1", "a.example.com", { "svc-b": 1 }), httpRoute("r2", "b.example.com", { "svc-b": 50, "svc-c": 50 })],
  },
  {
    what: "a listener added",
    listeners: { http: 8080, http2: 8081 },
    services: { "svc-b": 7002, "svc-c": 7003 },
    routes: [httpRoute("r1", "a.example.com", { "svc-b": 1 }), httpRoute("r2", "b.example.com", { "svc-b": 50, "svc-c": 50 })],
  },
  {
    what: "a GRPCRoute (api listeners exist now)",
    listeners: { http: 8080, http2: 8081 },
    services: { "svc-b": 7002, "svc-c": 7003 },
    routes: [
      httpRoute("r1", "a.example.com", { "svc-b": 1 }),
      httpRoute("r2", "b.example.com", { "svc-b": 50, "svc-c": 50 }),
      grpcRouteYaml("g1", { hostnames: ["g.example.com"], rules: [{ to: { "svc-c": 1 } }] }),
    ],
  },
  {
    what: "the listener removed",
    services: { "svc-b": 7002, "svc-c": 7003 },
    routes: [httpRoute("r1", "a.example.com", { "svc-b": 1 }), httpRoute("r2", "b.example.com", { "svc-b": 50, "svc-c": 50 })],
  },
  { what: "r2 and svc-c deleted", services: { "svc-b": 7002 }, routes: [httpRoute("r1", "a.example.com", { "svc-b": 1 })] },
  { what: "r1 to a Service that does not exist", services: { "svc-b": 7002 }, routes: [httpRoute("r1", "a.example.com", { missing: 1 })] },
  { what: "endpoints change", services: { "svc-b": 7012 }, routes: [httpRoute("r1", "a.example.com", { "svc-b": 1 })] },
  { what: "everything swapped to a recreated svc-a", services: { "svc-a": 7001 }, routes: [httpRoute("r3", "a.example.com", { "svc-a": 1 })] },
];

function run(mode: "sotw" | "delta", list: Step[], reject?: (name: string) => boolean): EnvoyLike {
  const cache = new SnapshotCache({ reuseByIdentity: true });
  const memo = new CompileMemo();
  const config = defaultConfig("ordering-test");
  const publish = (s: Step): void => {
    const r = compile({ objects: parseFile("all.yaml", docs(s)).objects, config, memo });
    cache.publish(r.xds);
  };
  publish(list[0]!);
  const envoy = new EnvoyLike(cache, mode, `envoy-${mode}`, {
    rejectRoute: reject
      ? (rc) =>
          rc.virtualHosts.some((vh) =>
            vh.routes.some(
              (r) => r.action.case === "route" && r.action.value.clusterSpecifier.case === "cluster" && reject(r.action.value.clusterSpecifier.value),
            ),
          )
            ? "refused for the test"
            : undefined
      : undefined,
  });
  envoy.drain(list[0]!.what);
  for (const s of list.slice(1)) {
    publish(s);
    envoy.drain(s.what);
  }
  return envoy;
}

describe("make-before-break with an Envoy-like client", () => {
  for (const mode of ["sotw", "delta"] as const) {
    test(`${mode}: no listener ever routes to a missing or warming cluster; no api_listener reaches Envoy`, () => {
      const envoy = run(mode, steps);
      expect(envoy.violations).toEqual([]);
      expect(envoy.serving().get("default/gw/8080")).toEqual(["default/svc-a/9000"]);
      expect(envoy.hasCluster("default/svc-b/9000")).toBe(false);
      // The route configuration for a new listener went out after the listener (it is subscribed
      // then), and the new clusters of step 2 before the route configuration that uses them.
      const step2 = envoy.log.filter((l) => l.startsWith("a second route"));
      expect(step2.findIndex((l) => l.includes("ClusterLoadAssignment +1"))).toBeLessThan(step2.findIndex((l) => l.includes("RouteConfiguration")));
    });

    test(`${mode}: a client that NACKs keeps the clusters its accepted routes use, and loses them once it accepts`, () => {
      const nack: Step[] = [
        { what: "r1 to svc-a", services: { "svc-a": 7001, "svc-x": 7009 }, routes: [httpRoute("r1", "a.example.com", { "svc-a": 1 })] },
        {
          what: "r1 to a refused backend, svc-a deleted",
          services: { "svc-bad": 7004, "svc-x": 7009 },
          routes: [httpRoute("r1", "a.example.com", { "svc-bad": 1 })],
        },
        {
          what: "an unrelated route added (still refused)",
          services: { "svc-bad": 7004, "svc-x": 7009 },
          routes: [httpRoute("r1", "a.example.com", { "svc-bad": 1 }), httpRoute("r2", "x.example.com", { "svc-x": 1 })],
        },
      ];
      const envoy = run(mode, nack, (cluster) => cluster.includes("svc-bad"));
      expect(envoy.violations).toEqual([]);
      expect(envoy.log.some((l) => l.includes("NACK"))).toBe(true);
      expect(envoy.hasCluster("default/svc-a/9000")).toBe(true);
      expect(envoy.serving().get("default/gw/8080")).toEqual(["default/svc-a/9000"]);
      // Fixed: the client accepts, and only then svc-a leaves it.
      const fixed = run(
        mode,
        [
          ...nack,
          {
            what: "fixed",
            services: { "svc-x": 7009 },
            routes: [httpRoute("r1", "a.example.com", { "svc-x": 1 }), httpRoute("r2", "x.example.com", { "svc-x": 1 })],
          },
        ],
        (c) => c.includes("svc-bad"),
      );
      expect(fixed.violations).toEqual([]);
      expect(fixed.hasCluster("default/svc-a/9000")).toBe(false);
      expect(fixed.serving().get("default/gw/8080")).toEqual(["default/svc-x/9000"]);
    });
  }
});
