// The control plane against a real xDS client: @grpc/grpc-js-xds (proxyless gRPC, state of the
// world), routing real RPCs to real @grpc/grpc-js backends on 127.0.0.1. Each test has its own
// control plane and its own xDS client (per-channel bootstrap), so tests do not see each other.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type * as grpc from "@grpc/grpc-js";
import { TypeUrl, type XdsResources } from "../../src/xds/resources.ts";
import type { XdsEvent } from "../../src/xds/cache/stats.ts";
import { startXdsServer } from "../../src/xds/server/server.ts";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import * as f from "./fixtures.ts";
import { call, startBackend, xdsClient, type Backend } from "./grpc.ts";

let a: Backend, b: Backend, c: Backend;
const open: grpc.Client[] = [];
const planes: ControlPlane[] = [];

beforeAll(async () => {
  [a, b, c] = await Promise.all([startBackend("A"), startBackend("B"), startBackend("C")]);
});
afterAll(async () => {
  for (const ch of open) ch.close();
  await Promise.all(planes.map((p) => p.close()));
  await Promise.all([a, b, c].map((x) => x.stop()));
});

async function plane(resources: XdsResources): Promise<ControlPlane> {
  const cp = await startControlPlane();
  planes.push(cp);
  cp.cache.publish(resources);
  return cp;
}
function client(cp: ControlPlane, listener: string, node: string): grpc.Client {
  const ch = xdsClient(listener, cp.port, node);
  open.push(ch);
  return ch;
}
const acked = (node: string, typeUrl: string, version?: string) => (e: XdsEvent) =>
  e.type === "ack" && e.nodeId === node && e.typeUrl === typeUrl && (version === undefined || e.version === version);

/** One listener "echo" routing everything to cluster c-default on `port`. */
const simple = (port: number) =>
  f.resources({
    listeners: [f.apiListener("echo", "echo-rc")],
    routes: [f.routeConfig("echo-rc", [f.route({ prefix: "", to: "c-default" })])],
    clusters: [f.edsCluster("c-default")],
    endpoints: [f.endpoints("c-default", [port])],
  });

describe("grpc-js-xds against the ADS server", () => {
  test("full LDS -> RDS -> CDS -> EDS sequence, each ACKed, then an RPC reaches the backend", async () => {
    const cp = await plane(simple(a.port));
    const ch = client(cp, "echo", "seq-1");
    expect(await call(ch, "/test.Echo/Echo")).toBe("A");
    const mine = cp.events.filter((e) => (e.type === "push" || e.type === "ack") && e.nodeId === "seq-1");
    const short = (u: string) => ({ [TypeUrl.listener]: "lds", [TypeUrl.route]: "rds", [TypeUrl.cluster]: "cds", [TypeUrl.endpoint]: "eds" })[u];
    expect(mine.map((e) => `${e.type} ${short((e as { typeUrl: string }).typeUrl)}`)).toEqual([
      "push lds",
      "ack lds",
      "push rds",
      "ack rds",
      "push cds",
      "ack cds",
      "push eds",
      "ack eds",
    ]);
    expect(cp.cache.ackState("seq-1")).toEqual({ current: true });
    const st = cp.cache.clients().find((x) => x.nodeId === "seq-1")!;
    expect(st.kind).toBe("sotw");
    expect(st.userAgent).toContain("gRPC Node");
    expect(st.address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test("a method match and a header match steer RPCs to the right backend", async () => {
    const cp = await plane(
      f.resources({
        listeners: [f.apiListener("svc", "svc-rc")],
        routes: [
          f.routeConfig("svc-rc", [
            f.route({ method: "/test.Echo/Other", to: "c-other" }),
            f.route({ prefix: "/test.Echo/", headers: { "x-canary": "yes" }, to: "c-canary" }),
            f.route({ prefix: "", to: "c-default" }),
          ]),
        ],
        clusters: [f.edsCluster("c-default"), f.edsCluster("c-other"), f.edsCluster("c-canary")],
        endpoints: [f.endpoints("c-default", [a.port]), f.endpoints("c-other", [b.port]), f.endpoints("c-canary", [c.port])],
      }),
    );
    const ch = client(cp, "svc", "match-1");
    expect(await call(ch, "/test.Echo/Echo")).toBe("A");
    expect(await call(ch, "/test.Echo/Other")).toBe("B");
    expect(await call(ch, "/test.Echo/Echo", { "x-canary": "yes" })).toBe("C");
    expect(await call(ch, "/test.Echo/Echo", { "x-canary": "no" })).toBe("A");
    // Method match wins over the header rule because it comes first, as in Envoy.
    expect(await call(ch, "/test.Echo/Other", { "x-canary": "yes" })).toBe("B");
    // The header rule is scoped to the test.Echo service.
    expect(await call(ch, "/test.Admin/Status", { "x-canary": "yes" })).toBe("A");
  });

  test("weighted clusters split traffic 80/20 within tolerance", async () => {
    const cp = await plane(
      f.resources({
        listeners: [f.apiListener("split", "split-rc")],
        routes: [f.routeConfig("split-rc", [f.route({ prefix: "", to: { weighted: { "c-a": 80, "c-b": 20 } } })])],
        clusters: [f.edsCluster("c-a"), f.edsCluster("c-b")],
        endpoints: [f.endpoints("c-a", [a.port]), f.endpoints("c-b", [b.port])],
      }),
    );
    const ch = client(cp, "split", "weighted-1");
    const n = 400;
    const got: string[] = [];
    for (let i = 0; i < n; i += 50) got.push(...(await Promise.all(Array.from({ length: 50 }, () => call(ch, "/test.Echo/Echo")))));
    const share = got.filter((x) => x === "A").length / n;
    // Binomial sd at n=400, p=0.8 is 0.02: 0.07 is 3.5 sd, so a correct split fails ~1 in 2000 runs.
    expect(share).toBeGreaterThan(0.73);
    expect(share).toBeLessThan(0.87);
    expect(got.every((x) => x === "A" || x === "B")).toBe(true);
  });

  test("an endpoint change re-routes a live client without reconnecting, and sends only EDS", async () => {
    const cp = await plane(simple(a.port));
    const ch = client(cp, "echo", "move-1");
    expect(await call(ch, "/test.Echo/Echo")).toBe("A");
    await cp.waitEvent(acked("move-1", TypeUrl.endpoint));
    const connects = cp.events.filter((e) => e.type === "connect" && e.nodeId === "move-1").length;
    const from = cp.events.length;
    const r = cp.cache.publish(simple(b.port));
    expect(r.changed).toEqual(["eds"]);
    await cp.waitEvent(acked("move-1", TypeUrl.endpoint), 5000, from);
    let got = "";
    for (let i = 0; i < 20 && got !== "B"; i++) got = await call(ch, "/test.Echo/Echo");
    expect(got).toBe("B");
    const after = cp.events.slice(from);
    expect(after.filter((e) => e.type === "push").map((e) => (e as { typeUrl: string }).typeUrl)).toEqual([TypeUrl.endpoint]);
    expect(cp.events.filter((e) => e.type === "connect" && e.nodeId === "move-1").length).toBe(connects);
    expect(after.some((e) => e.type === "disconnect")).toBe(false);
  });

  test("a NACK (STATIC cluster) is recorded with the client's reason; the client keeps the previous config", async () => {
    const cp = await plane(simple(a.port));
    const ch = client(cp, "echo", "nack-1");
    expect(await call(ch, "/test.Echo/Echo")).toBe("A");
    await cp.waitEvent(acked("nack-1", TypeUrl.endpoint));
    const from = cp.events.length;
    // Same cluster name, now STATIC pointing at B: grpc-js-xds rejects the type, so if the client
    // applied it anyway RPCs would go to B.
    const bad = simple(a.port);
    bad.clusters = [f.staticCluster("c-default", b.port)];
    cp.cache.publish(bad);
    const nack = await cp.waitEvent((e) => e.type === "nack" && e.nodeId === "nack-1", 8000, from);
    expect(nack.type === "nack" && nack.typeUrl).toBe(TypeUrl.cluster);
    const reason = nack.type === "nack" ? nack.message : "";
    expect(reason.length).toBeGreaterThan(0);
    // In /status data, in the readiness answer and in the logs, with the client's own words.
    const cds = cp.cache
      .clients()
      .find((x) => x.nodeId === "nack-1")!
      .types.find((t) => t.type === "cds")!;
    expect(cds.rejecting).toBe(true);
    expect(cds.lastNack?.message).toBe(reason);
    expect(cds.acked?.version).not.toBe(cds.lastNack?.version);
    expect(cp.cache.stats().counters.nacks.cds).toBe(1);
    expect(cp.cache.ackState("nack-1").reason).toContain(reason);
    expect(cp.logs.some((l) => l.level === "warn" && l.node === "nack-1" && l.error === reason)).toBe(true);
    // Still served by the previous (ACKed) config, and the rejected version is not pushed again.
    for (let i = 0; i < 5; i++) expect(await call(ch, "/test.Echo/Echo")).toBe("A");
    await Bun.sleep(200);
    expect(cp.events.slice(from).filter((e) => e.type === "push" && e.nodeId === "nack-1").length).toBe(1);
    // A corrected publish is ACKed and the client is current again.
    const from2 = cp.events.length;
    cp.cache.publish(simple(b.port));
    await cp.waitEvent(acked("nack-1", TypeUrl.endpoint), 5000, from2);
    await cp.waitEvent(acked("nack-1", TypeUrl.cluster), 5000, from2);
    let got = "";
    for (let i = 0; i < 20 && got !== "B"; i++) got = await call(ch, "/test.Echo/Echo");
    expect(got).toBe("B");
    expect(cp.cache.ackState("nack-1")).toEqual({ current: true });
  });

  test("a client that loses its stream reconnects and gets the current state", async () => {
    const cp = await plane(simple(a.port));
    const ch = client(cp, "echo", "re-1");
    expect(await call(ch, "/test.Echo/Echo")).toBe("A");
    const port = cp.port;
    const firstStream = cp.cache.clients().find((x) => x.nodeId === "re-1")!.stream;
    // The server goes away (graceful close ends the ADS stream), the config changes meanwhile,
    // and a new server with the same cache comes back on the same port.
    await cp.server.close({ graceMs: 500 });
    expect(cp.cache.clients().filter((x) => x.nodeId === "re-1")).toEqual([]);
    cp.cache.publish(simple(b.port));
    const again = await startXdsServer({ cache: cp.cache, tcp: { port } });
    try {
      await cp.waitEvent((e) => e.type === "ack" && e.nodeId === "re-1" && e.typeUrl === TypeUrl.endpoint && e.stream !== firstStream, 15000);
      let got = "";
      for (let i = 0; i < 20 && got !== "B"; i++) got = await call(ch, "/test.Echo/Echo");
      expect(got).toBe("B");
      expect(cp.cache.ackState("re-1")).toEqual({ current: true });
    } finally {
      await again.close({ graceMs: 200 });
    }
  }, 30000);
});
