// The API server crashes (SIGKILL) and comes back: edgegate keeps serving the last configuration
// meanwhile (and stays ready: the source stays "synced", saying the API is unreachable), then
// catches up, both by resuming its watches and, when the versions it holds were compacted away while
// it was disconnected, by relisting after 410 Expired. Every watch resyncs within 5 s of the
// return, and watch errors never cause a recompute.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiServer, apiServerAvailable } from "./apiserver.ts";
import * as f from "./fixtures.ts";
import { routePaths, startPipeline, until, type Running } from "./pipeline.ts";

const available = apiServerAvailable();

describe.skipIf(!available)("API server outages", () => {
  const api = new ApiServer();
  let p: Running;

  beforeAll(async () => {
    await api.start();
    await api.applyCrds(["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "backendtlspolicies", "tlsroutes"]);
    await api.create(f.node("node-a", {}));
    for (const o of [f.gatewayClass(), f.gateway(), f.service(), f.endpointSlice(), f.httpRoute("a")]) await api.create(o);
    p = await startPipeline(api);
    await until("synced", () => p.kube.source.state().state === "synced");
  }, 60_000);

  afterAll(async () => {
    await p?.stop();
    await api.stop();
  });

  test("SIGKILLed API server: the last configuration stays; watches resume after the restart", async () => {
    const version = p.cache.snapshot().version;
    const compiles = p.compiles();
    await api.killApiServer();
    await until("source reports the outage", () => p.kube.source.state().message?.includes("Kubernetes API unreachable"));
    // Long enough for each watch to fail and retry several times.
    await Bun.sleep(4000);
    expect(p.kube.source.state().state).toBe("synced");
    expect(p.kube.source.reachability.down).toBe(true);
    expect(routePaths(p.result())).toEqual(["/a"]);
    expect(p.cache.snapshot().version).toBe(version);
    expect(p.compiles()).toBe(compiles);
    const back = Date.now();
    await api.startApiServer();
    const ready = Date.now();
    await until(
      "every watch synced again",
      () => !p.kube.source.reachability.down && p.kube.details().watches.every((w) => w.phase === "synced" || w.phase === "missing"),
      30_000,
    );
    const resyncMs = Date.now() - ready;
    console.error(`resync after the API server answered: ${resyncMs} ms (its start took ${ready - back} ms)`);
    expect(resyncMs).toBeLessThan(5000);
    await api.create(f.httpRoute("b"));
    await until("a change after the restart arrives", () => routePaths(p.result()).join() === "/a,/b");
  }, 60_000);

  test("changes made while disconnected, with their versions compacted: 410, relist, caught up", async () => {
    const expiredBefore = p.kube.details().watches.reduce((n, w) => n + w.expired, 0);
    await api.killApiServer();
    await until("source reports the outage", () => p.kube.source.reachability.down);
    // Another API server on the same etcd takes the changes meanwhile (an HA control plane).
    const other = await api.secondary();
    const mine = api.client;
    api.client = other.client;
    try {
      await api.remove(f.httpRoute("a"));
      await api.create(f.httpRoute("c"));
      await api.update(f.httpRoute("b"), (o) => {
        (o.spec as { hostnames?: string[] }).hostnames = ["b.example"];
      });
      await api.compact();
    } finally {
      api.client = mine;
      await other.stop();
    }
    // Still the old configuration: nothing is dropped while the API is unreachable.
    expect(routePaths(p.result())).toEqual(["/a", "/b"]);
    await api.startApiServer();
    await until(
      "caught up: a gone, b changed, c added",
      () => routePaths(p.result()).join() === "/b,/c" && JSON.stringify(p.result()?.ir.routeConfigs).includes("b.example"),
      30_000,
    );
    const expired = p.kube.details().watches.reduce((n, w) => n + w.expired, 0);
    expect(expired).toBeGreaterThan(expiredBefore);
    await until("every watch synced", () => p.kube.details().watches.every((w) => w.phase === "synced" || w.phase === "missing"));
  }, 60_000);
});
