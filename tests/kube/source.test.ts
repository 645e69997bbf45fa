// Kubernetes mode against a real API server (minikas: k8s.io/apiserver on etcd): objects created,
// changed and deleted reach the xDS snapshot; invalid objects keep their last good version; node
// labels decide selection live; a CRD installed later is picked up.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiServer, apiServerAvailable } from "./apiserver.ts";
import * as f from "./fixtures.ts";
import { routePaths, startPipeline, until, type Running } from "./pipeline.ts";

const available = apiServerAvailable();
if (!available) console.warn("SKIPPED tests/kube: no API server built; run scripts/setup-kube.sh");

describe.skipIf(!available)("Kubernetes source", () => {
  const api = new ApiServer();
  let p: Running;

  beforeAll(async () => {
    await api.start();
    // Everything but TLSRoute: that CRD is installed later, by a test.
    await api.applyCrds(["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "backendtlspolicies"]);
    await api.create(f.node("node-a", { "edgegate.io/gateway": "true" }, "192.0.2.10"));
    await api.create(f.node("node-b", { "edgegate.io/gateway": "true" }, "192.0.2.11"));
    await api.create(f.gatewayClass());
    await api.create(f.gateway());
    await api.create(f.service());
    await api.create(f.endpointSlice());
    await api.create(f.httpRoute("a"));
    p = await startPipeline(api, { matchLabels: { "edgegate.io/gateway": "true" } });
  }, 60_000);

  afterAll(async () => {
    await p?.stop();
    await api.stop();
  });

  test("the first snapshot holds what the API had at start", async () => {
    // Watches opened right after CRDs are created may get 429 "storage is (re)initializing": retried.
    await until("source synced", () => p.kube.source.state().state === "synced");
    expect(routePaths(p.result())).toEqual(["/a"]);
    expect(p.cache.snapshot().seq).toBeGreaterThan(0);
  });

  test("created, changed and deleted routes reach the xDS snapshot", async () => {
    await api.create(f.httpRoute("b"));
    await until("route b in the snapshot", () => routePaths(p.result()).includes("/b"));
    await api.update(f.httpRoute("b"), (o) => {
      (o.spec as { rules: Array<{ matches: Array<{ path: { value: string } }> }> }).rules[0]!.matches[0]!.path.value = "/b2";
    });
    await until("route b changed to /b2", () => routePaths(p.result()).join() === "/a,/b2");
    await api.remove(f.httpRoute("b"));
    await until("route b gone", () => routePaths(p.result()).join() === "/a");
  });

  test("an invalid object is reported and its last good version stays in force", async () => {
    await api.create(f.httpRoute("c"));
    await until("route c", () => routePaths(p.result()).includes("/c"));
    // The CRD's schema allows this; edgegate's validator does not (a path value must start with /).
    await api.update(f.httpRoute("c"), (o) => {
      (o.spec as { rules: Array<{ matches: Array<{ path: { type: string; value: string } }> }> }).rules[0]!.matches[0]!.path = {
        type: "RegularExpression",
        value: "([",
      };
    });
    await until("a problem for route c", () => p.kube.source.problems().some((x) => x.object?.name === "c"));
    expect(routePaths(p.result())).toContain("/c");
    await api.remove(f.httpRoute("c"));
    await until(
      "route c gone and its problem too",
      () => !routePaths(p.result()).includes("/c") && !p.kube.source.problems().some((x) => x.object?.name === "c"),
    );
  });

  test("status is written through /status with observedGeneration, and follows generation", async () => {
    const parentsOf = async (name: string): Promise<Array<{ conditions: Array<{ type: string; status: string; observedGeneration?: number }> }>> =>
      ((await api.get(f.httpRoute(name))).status as { parents?: [] } | undefined)?.parents ?? [];
    await until("route a Accepted with observedGeneration 1", async () =>
      (await parentsOf("a"))[0]?.conditions.some((c) => c.type === "Accepted" && c.status === "True" && c.observedGeneration === 1),
    );
    const gw = await until("gateway Programmed", async () => {
      const g = await api.get(f.gateway());
      const st = g.status as
        | {
            conditions?: Array<{ type: string; status: string; observedGeneration?: number }>;
            listeners?: Array<{ attachedRoutes: number }>;
            addresses?: Array<{ value: string }>;
          }
        | undefined;
      // Route a only (route c of the previous test is gone; its removal may still be on its way).
      return st?.conditions?.some((c) => c.type === "Programmed" && c.observedGeneration === 1) && st.listeners?.[0]?.attachedRoutes === 1 ? st : undefined;
    });
    // Host-network mode: both selected nodes' addresses.
    expect(gw.addresses?.map((a) => a.value)).toEqual(["192.0.2.10", "192.0.2.11"]);
    const gc = (await api.get(f.gatewayClass())).status as { conditions: Array<{ type: string; status: string }> };
    expect(gc.conditions.find((c) => c.type === "Accepted")?.status).toBe("True");
    const managers = ((await api.get(f.httpRoute("a"))).metadata as { managedFields: Array<{ manager: string; operation: string; subresource?: string }> })
      .managedFields;
    expect(managers.some((m) => m.manager === "edgegate" && m.operation === "Apply" && m.subresource === "status")).toBe(true);

    await api.update(f.httpRoute("a"), (o) => {
      (o.spec as { hostnames?: string[] }).hostnames = ["a.example"];
    });
    await until("route a observedGeneration 2", async () => (await parentsOf("a"))[0]?.conditions.every((c) => c.observedGeneration === 2));
  });

  test("Ingress status: the selected nodes' addresses", async () => {
    await api.create({
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name: "edgegate" },
      spec: { controller: "edgegate.io/ingress-controller" },
    });
    const ing = {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "shop", namespace: "default" },
      spec: {
        ingressClassName: "edgegate",
        rules: [{ host: "shop.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "app", port: { number: 80 } } } }] } }],
      },
    };
    await api.create(ing);
    await until(
      "ingress status",
      async () =>
        JSON.stringify(((await api.get(ing)).status as { loadBalancer?: unknown } | undefined)?.loadBalancer) ===
        JSON.stringify({ ingress: [{ ip: "192.0.2.10" }, { ip: "192.0.2.11" }] }),
    );
  });

  test("nothing is written when nothing changed", async () => {
    await until("writer idle", () => p.kube.details().status.pending === 0);
    await Bun.sleep(300);
    const before = p.kube.details().status.writes;
    // A change that alters no status: a label on the Service.
    await api.update(f.service(), (o) => {
      (o.metadata as { labels?: Record<string, string> }).labels = { touched: "yes" };
    });
    const compiles = p.compiles();
    await until("a recompute", () => p.compiles() > compiles);
    await Bun.sleep(500);
    expect(p.kube.details().status.writes).toBe(before);
  });

  test("node labels flipped: selection follows, live", async () => {
    expect(p.selected()).toBe(true);
    await api.update(f.node("node-a", {}), (o) => {
      (o.metadata as { labels: Record<string, string> }).labels = { "edgegate.io/gateway": "false" };
    });
    await until("node deselected", () => !p.selected());
    // node-a no longer selected: only node-b's address is reported.
    await until(
      "gateway addresses follow",
      async () =>
        JSON.stringify(((await api.get(f.gateway())).status as { addresses: unknown }).addresses) ===
        JSON.stringify([{ type: "IPAddress", value: "192.0.2.11" }]),
    );
    await api.update(f.node("node-a", {}), (o) => {
      (o.metadata as { labels: Record<string, string> }).labels = { "edgegate.io/gateway": "true" };
    });
    await until("node selected again", () => p.selected());
  });

  test("a CRD that is missing is reported, and picked up when it appears", async () => {
    expect(p.kube.source.problems().some((x) => x.message.startsWith("TLSRoute: not served"))).toBe(true);
    expect(p.kube.source.state().message).toContain("TLSRoute");
    await api.applyCrds(["tlsroutes"]);
    await api.applyCrdText(readFileSync(join(import.meta.dir, "../../config/kubernetes/crd-gatewaynetworkpolicy.yaml"), "utf8"));
    await until("TLSRoute watched", () => p.kube.details().watches.find((w) => w.kind === "TLSRoute")?.phase === "synced");
    await until("GatewayNetworkPolicy watched", () => p.kube.details().watches.find((w) => w.kind === "GatewayNetworkPolicy")?.phase === "synced");
    await api.create({
      apiVersion: "edgegate.io/v1alpha1",
      kind: "GatewayNetworkPolicy",
      metadata: { name: "office", namespace: "default" },
      spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "web" }], ingress: { allow: ["10.0.0.0/8"] } },
    });
    await until("policy in the store", () => p.kube.source.objects().some((o) => o.key === "GatewayNetworkPolicy/default/office"));
    expect(p.kube.source.problems().some((x) => /^(TLSRoute|GatewayNetworkPolicy): not served/.test(x.message))).toBe(false);
  });

  test("GatewayClassConfig: the shipped CRD installs, its objects reach the store validated, and TCPRoute/UDPRoute are watched", async () => {
    await api.applyCrdText(readFileSync(join(import.meta.dir, "../../config/kubernetes/crd-gatewayclassconfig.yaml"), "utf8"));
    await api.applyCrds(["tcproutes", "udproutes"]);
    for (const kind of ["GatewayClassConfig", "TCPRoute", "UDPRoute"])
      await until(`${kind} watched`, () => p.kube.details().watches.find((w) => w.kind === kind)?.phase === "synced");
    await api.create({
      apiVersion: "edgegate.io/v1alpha1",
      kind: "GatewayClassConfig",
      metadata: { name: "edge", namespace: "default" },
      spec: { exposure: { mode: "nodePort", nodePorts: { "80": 30080 } }, http: { xffNumTrustedHops: 1 } },
    });
    await until("GatewayClassConfig in the store", () => p.kube.source.objects().some((o) => o.key === "GatewayClassConfig/default/edge"));
  });
});
