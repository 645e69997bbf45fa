// Issue 17 item 3 in Kubernetes mode at CI size (tests/kube/new-routes.ts): 20 GRPCRoutes created
// through the real API server one after another, after 200 other HTTPRoutes, each called by a real
// grpc-js-xds client from the create on. No RPC may fail with anything but the expected no-route
// before its route exists, every route serves and is Accepted by edgegate's status writer. Times
// are printed, not asserted (a shared 2-core machine); bench/kube/new-routes.ts measures 3,000.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ApiServer, apiServerAvailable } from "./apiserver.ts";
import { runNewRoutes } from "./new-routes.ts";

const available = apiServerAvailable();
const main = join(import.meta.dir, "../../src/main.ts");

describe.skipIf(!available)("new routes through the Kubernetes API", () => {
  const api = new ApiServer();

  beforeAll(async () => {
    await api.start();
    await api.applyCrds(["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"]);
  }, 120_000);

  afterAll(async () => {
    await api.stop();
  });

  test("20 GRPCRoutes after 200 others: no error but the expected no-route, each served and Accepted", async () => {
    // edgegate run from source: the compiled binary is the same code, and CI's suite need not build first.
    const r = await runNewRoutes(api, { others: 200, count: 20, command: [process.execPath, main] });
    console.error(`new routes in Kubernetes mode: ${JSON.stringify(r)}`);
    expect(r.firstOtherError).toBeUndefined();
    expect(r.otherErrors).toBe(0);
    expect(r.statusErrors).toBe(0);
    // One status write per new route at least (its Accepted), not a rewrite of the 200 others.
    expect(r.statusWrites).toBeGreaterThanOrEqual(20);
    expect(r.statusWrites).toBeLessThan(200);
  }, 120_000);
});
