// The attached-routes scenario (tests/kube/attached.ts) at CI size: every route gets exactly one
// status write, the Gateway a handful, and both directions converge. The 1,000-route figures are
// bench/kube/attached-routes.ts's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiServer, apiServerAvailable } from "./apiserver.ts";
import * as f from "./fixtures.ts";
import { startPipeline, until, type Running } from "./pipeline.ts";
import { runAttachedRoutes } from "./attached.ts";

const available = apiServerAvailable();
const routes = 200;

describe.skipIf(!available)("attached routes", () => {
  const api = new ApiServer();
  let p: Running;

  beforeAll(async () => {
    await api.start();
    await api.applyCrds(["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"]);
    await api.create(f.node("node-a", {}));
    for (const o of [f.gatewayClass(), f.gateway(), f.service(), f.endpointSlice()]) await api.create(o);
    // The writer's defaults (qps, burst, concurrency, batching), as a user runs it.
    p = await startPipeline(api, { kube: { status: {} } });
    await until("Gateway programmed", async () => JSON.stringify((await api.get(f.gateway())).status).includes('"Gateway programmed"'), 20_000);
  }, 120_000); // starting etcd and the API server takes ~10 s idle, over 60 s on a loaded 2-core box

  afterAll(async () => {
    await p?.stop();
    await api.stop();
  });

  test(`${routes} routes on one Gateway: one write per route, attachedRoutes up and down`, async () => {
    const r = await runAttachedRoutes(api, routes);
    console.error(`attached routes (${routes}): ${JSON.stringify(r)}`);
    expect(r.routeWrites).toBe(routes);
    // A few Gateway writes while routes arrive (one per batch), not one per route.
    expect(r.gatewayWrites.setup).toBeLessThan(routes / 4);
    expect(r.gatewayWrites.teardown).toBeLessThan(routes / 4);
    expect(p.kube.details().status.errors).toBe(0);
  }, 120_000);
});
