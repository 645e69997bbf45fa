// Issue 17, change safety, with real proxyless clients (@grpc/grpc-js-xds, state of the world) on the
// real pipeline (YAML -> compile -> ADS): traffic keeps flowing through every kind of route edit,
// an unresolved backend reaches gRPC in a form it accepts, a bad rule stays on its own hostname, a
// client that NACKs keeps every cluster its accepted configuration uses, and an RPC waiting for a
// new hostname succeeds once the route serves, never failing in between.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { RouteConfigurationSchema } from "../../src/gen/envoy/config/route/v3/route_pb.ts";
import { TypeUrl } from "../../src/xds/resources.ts";
import type { XdsEvent } from "../../src/xds/cache/stats.ts";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import * as f from "./fixtures.ts";
import { call, startBackend, xdsClient, type Backend } from "./grpc.ts";
import { gatewayClass, gatewayYaml, grpcRouteYaml, serviceYaml, startPipelinePlane, type PipelinePlane } from "./pipeline-plane.ts";
import { routeEditScenario } from "./scenario.ts";
import { eventually, startTraffic } from "./traffic.ts";

const backends: Record<string, Backend> = {};
const open: grpc.Client[] = [];
const planes: ControlPlane[] = [];

beforeAll(async () => {
  for (const l of ["A", "B", "C", "D"]) backends[l] = await startBackend(l);
});
afterAll(async () => {
  for (const ch of open) ch.close();
  await Promise.all(planes.map((p) => p.close()));
  await Promise.all(Object.values(backends).map((b) => b.stop()));
});

function client(port: number, target: string, node: string): grpc.Client {
  const ch = xdsClient(target, port, node);
  open.push(ch);
  return ch;
}
async function pipeline(): Promise<PipelinePlane> {
  const p = await startPipelinePlane();
  planes.push(p);
  return p;
}
const svc = (name: string, label: string): string => serviceYaml(name, [backends[label]!.port]);
const base = (listeners: Record<string, number> = { grpc: 18080 }): string => `${gatewayClass}---\n${gatewayYaml(listeners)}`;
const nacks = (p: ControlPlane, from = 0): XdsEvent[] => p.events.slice(from).filter((e) => e.type === "nack");

describe("change safety with real grpc-js-xds clients", () => {
  test("an unresolved backend on one hostname: no NACK, other rules and hostnames keep serving", async () => {
    const p = await pipeline();
    const files: Record<string, string> = {
      "base.yaml": `${base()}---\n${svc("svc-a", "A")}---\n${svc("svc-b", "B")}---\n${svc("svc-c", "C")}`,
      "a.yaml": grpcRouteYaml("ra", { hostnames: ["a.example.com"], rules: [{ to: { "svc-a": 1 } }] }),
      "b.yaml": grpcRouteYaml("rb", { hostnames: ["b.example.com"], rules: [{ to: { "svc-b": 1 } }] }),
    };
    p.apply(files);
    const ca = client(p.port, "a.example.com", "unres-a");
    const cb = client(p.port, "b.example.com", "unres-b");
    expect(await call(ca, "/test.Echo/Echo")).toBe("A");
    expect(await call(cb, "/test.Echo/Echo")).toBe("B");
    const ta = startTraffic([ca], "/test.Echo/Echo");
    const tb = startTraffic([cb], "/test.Echo/Echo");
    await Bun.sleep(100);
    const from = p.events.length;
    // One edit: b gets a rule whose Service does not exist (Envoy would answer 500 itself), and a
    // moves to another Service, so the cluster a used leaves the snapshot.
    const { result } = p.apply({
      ...files,
      "a.yaml": grpcRouteYaml("ra", { hostnames: ["a.example.com"], rules: [{ to: { "svc-c": 1 } }] }),
      "b.yaml": grpcRouteYaml("rb", { hostnames: ["b.example.com"], rules: [{ method: "test.Echo/Other", to: { missing: 1 } }, { to: { "svc-b": 1 } }] }),
      "base.yaml": `${base()}---\n${svc("svc-b", "B")}---\n${svc("svc-c", "C")}`,
    });
    expect(result.problems.map((x) => x.message).join()).toContain("missing");
    const since = performance.now();
    const conv = await ta.converged(["C"], since - 1);
    await Bun.sleep(200);
    await Promise.all([ta.stop(), tb.stop()]);
    expect(nacks(p, from)).toEqual([]);
    expect(ta.failures()).toEqual([]);
    expect(tb.failures()).toEqual([]);
    expect(tb.outcomes.every((o) => o.label === "B")).toBe(true);
    expect(conv).toBeLessThan(1000);
    // The rule with the missing backend fails alone, at once, with UNAVAILABLE.
    const t0 = performance.now();
    await expect(call(cb, "/test.Echo/Other")).rejects.toThrow(/UNAVAILABLE/);
    expect(performance.now() - t0).toBeLessThan(1000);
    const current = await eventually(() => p.cache.ackState("unres-a").current && p.cache.ackState("unres-b").current);
    if (!current)
      console.log(
        JSON.stringify(
          p.events.slice(from).filter((e) => e.type !== "publish"),
          null,
          0,
        ),
      );
    expect(p.cache.ackState("unres-a")).toEqual({ current: true });
    expect(p.cache.ackState("unres-b")).toEqual({ current: true });
  }, 20000);

  test("a client that NACKs a route configuration keeps the clusters its accepted one uses", async () => {
    const cp = await startControlPlane();
    planes.push(cp);
    const good = (cluster: string, ports: Record<string, number>) =>
      f.resources({
        listeners: [f.apiListener("echo", "echo-rc")],
        routes: [f.routeConfig("echo-rc", [f.route({ prefix: "", to: cluster })])],
        clusters: Object.keys(ports).map((c) => f.edsCluster(c)),
        endpoints: Object.entries(ports).map(([c, port]) => f.endpoints(c, [port])),
      });
    cp.cache.publish(good("c-a", { "c-a": backends.A!.port }));
    const ch = client(cp.port, "echo", "keeps-1");
    expect(await call(ch, "/test.Echo/Echo")).toBe("A");
    const traffic = startTraffic([ch], "/test.Echo/Echo");
    await Bun.sleep(50);
    const from = cp.events.length;
    // A RouteConfiguration grpc-js rejects (a direct_response route: gRFC A28 "unsupported
    // action") that moves traffic to c-b, while c-a leaves the snapshot.
    const bad = good("c-b", { "c-b": backends.B!.port });
    bad.routes = [
      create(RouteConfigurationSchema, {
        name: "echo-rc",
        virtualHosts: [
          {
            name: "vh",
            domains: ["*"],
            routes: [
              { match: { pathSpecifier: { case: "prefix", value: "/test.Admin/" } }, action: { case: "directResponse", value: { status: 500 } } },
              f.route({ prefix: "", to: "c-b" }),
            ],
          },
        ],
      }),
    ];
    cp.cache.publish(bad);
    const nack = await cp.waitEvent((e) => e.type === "nack" && e.nodeId === "keeps-1", 5000, from);
    expect(nack.type === "nack" && nack.typeUrl).toBe(TypeUrl.route);
    expect(nack.type === "nack" && nack.message).toContain("unsupported action");
    await Bun.sleep(300);
    // Still served by c-a, which this client still holds although the snapshot dropped it.
    const cds = cp.cache
      .clients()
      .find((c) => c.nodeId === "keeps-1")!
      .types.find((t) => t.type === "cds")!;
    expect(cds.resources).toBeGreaterThanOrEqual(1);
    expect(cp.cache.snapshot().types.get(TypeUrl.cluster)!.entries.has("c-a")).toBe(false);
    expect(traffic.failures()).toEqual([]);
    expect(traffic.outcomes.every((o) => o.label === "A")).toBe(true);
    // A valid configuration: the client moves to c-b, and c-a leaves it only after that.
    const from2 = cp.events.length;
    cp.cache.publish(good("c-b", { "c-b": backends.B!.port }));
    const conv = await traffic.converged(["B"], performance.now());
    await cp.waitEvent((e) => e.type === "ack" && e.nodeId === "keeps-1" && e.typeUrl === TypeUrl.cluster, 5000, from2);
    await traffic.stop();
    expect(traffic.failures()).toEqual([]);
    expect(conv).toBeLessThan(1000);
    const after = cp.events
      .slice(from2)
      .filter((e) => (e.type === "push" || e.type === "ack") && e.nodeId === "keeps-1")
      .map((e) => `${e.type} ${(e as { typeUrl: string }).typeUrl.split(".").at(-1)}`);
    // The route configuration is accepted before the old cluster is taken away.
    expect(after.indexOf("ack RouteConfiguration")).toBeGreaterThanOrEqual(0);
    expect(after.lastIndexOf("push Cluster")).toBeGreaterThan(after.indexOf("ack RouteConfiguration"));
    expect(await eventually(() => cp.cache.ackState("keeps-1").current)).toBe(true);
  }, 20000);

  test("RPCs waiting for a new hostname succeed once its route serves; no other client gets a push", async () => {
    const p = await pipeline();
    const files: Record<string, string> = {
      "base.yaml": `${base()}---\n${svc("svc-a", "A")}---\n${svc("svc-b", "B")}`,
      "a.yaml": grpcRouteYaml("ra", { hostnames: ["a.example.com"], rules: [{ to: { "svc-a": 1 } }] }),
    };
    p.apply(files);
    const ca = client(p.port, "a.example.com", "host-a");
    expect(await call(ca, "/test.Echo/Echo")).toBe("A");
    await p.waitEvent((e) => e.type === "ack" && e.nodeId === "host-a" && e.typeUrl === TypeUrl.endpoint);
    const cn = client(p.port, "new.example.com", "host-new");
    // RPCs start before the hostname exists and keep coming, every 5 ms.
    const waiting: Array<Promise<string>> = [];
    let running = true;
    void (async () => {
      while (running) {
        waiting.push(call(cn, "/test.Echo/Echo", {}, 8000));
        await Bun.sleep(5);
      }
    })();
    await Bun.sleep(300);
    const from = p.events.length;
    p.apply({ ...files, "new.yaml": grpcRouteYaml("rn", { hostnames: ["new.example.com"], rules: [{ to: { "svc-b": 1 } }] }) });
    await p.waitEvent((e) => e.type === "ack" && e.nodeId === "host-new" && e.typeUrl === TypeUrl.endpoint, 5000, from);
    await Bun.sleep(100);
    running = false;
    const results = await Promise.allSettled(waiting);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(results.every((r) => r.status === "fulfilled" && r.value === "B")).toBe(true);
    // Adding a hostname touched no other hostname's route configuration.
    expect(p.events.slice(from).filter((e) => e.type === "push" && e.nodeId === "host-a" && e.typeUrl === TypeUrl.route)).toEqual([]);
  }, 20000);

  test("route changes under traffic: 4 clients, an RPC every 5 ms each, 25 edits, 0 failed RPCs", async () => {
    const p = await pipeline();
    const sc = routeEditScenario(Object.fromEntries(Object.entries(backends).map(([l, b]) => [l, b.port])));
    p.apply(sc.files());
    const clients = [0, 1, 2, 3].map((i) => client(p.port, sc.host, `traffic-${i}`));
    for (const ch of clients) expect(await call(ch, "/test.Echo/Echo")).toBe("A");
    const traffic = startTraffic(clients, "/test.Echo/Echo");
    const convergence: number[] = [];
    const rdsAcked = async (from: number): Promise<void> => {
      for (let i = 0; i < 4; i++) await p.waitEvent((e) => e.type === "ack" && e.nodeId === `traffic-${i}` && e.typeUrl === TypeUrl.route, 5000, from);
    };
    expect(sc.edits.length).toBeGreaterThanOrEqual(20);
    const from0 = p.events.length;
    for (const e of sc.edits) {
      e.apply();
      const from = p.events.length;
      const t0 = performance.now();
      const { result, pub } = p.apply(sc.files());
      expect(result.problems).toEqual([]);
      // Weighted splits answer from both backends before and after: the clients' ACK is the mark.
      if (e.expect.length > 1) {
        await rdsAcked(from);
        convergence.push(performance.now() - t0);
      } else if (pub.changed.length > 0) convergence.push(await traffic.converged(e.expect, t0));
      await Bun.sleep(60);
    }
    await traffic.stop();
    const failures = traffic.failures();
    convergence.sort((x, y) => x - y);
    console.log(
      `change-safety: ${sc.edits.length} edits, ${traffic.outcomes.length} RPCs, ${failures.length} failed; convergence p50 ${convergence[Math.floor(convergence.length / 2)]!.toFixed(1)} ms, max ${convergence.at(-1)!.toFixed(1)} ms`,
    );
    expect(failures).toEqual([]);
    expect(nacks(p, from0)).toEqual([]);
    expect(convergence.at(-1)!).toBeLessThan(1000);
    expect(traffic.outcomes.length).toBeGreaterThan(sc.edits.length * 4 * 10);
  }, 60000);
});
