// gateway-api-bench's "attached routes" test in Kubernetes mode, against the real API server
// (minikas on etcd, tests/kube/apiserver.ts): 1,000 HTTPRoutes created on one Gateway (16 creates
// in flight), then deleted. Reported per run: setup (last create -> attachedRoutes 1,000 and every
// route Accepted), teardown (last delete -> attachedRoutes 0), status writes seen on a watch
// (Gateway MODIFIED events during setup and teardown, route MODIFIED events), then an idle window
// (default a minute) in which any write is counted. edgegate runs with its defaults (status qps 200,
// burst 1000, 16 in flight, 200 ms batches), its node's Envoy stood in by tests/kube/envoy-acker.ts.
// Usage: bun bench/kube/attached-routes.ts     (env ROUTES=1000 RUNS=3 IDLE_S=60; needs scripts/setup-kube.sh)
import { ApiServer, apiServerAvailable } from "../../tests/kube/apiserver.ts";
import * as f from "../../tests/kube/fixtures.ts";
import { startPipeline, until } from "../../tests/kube/pipeline.ts";
import { runAttachedRoutes, sum, tally, type AttachedResult } from "../../tests/kube/attached.ts";

const routes = Number(process.env.ROUTES ?? 1000);
const runs = Number(process.env.RUNS ?? 3);
const idleS = Number(process.env.IDLE_S ?? 60);
if (!apiServerAvailable()) {
  console.error("bench/kube: no API server built; run scripts/setup-kube.sh");
  process.exit(1);
}

const api = new ApiServer();
await api.start();
await api.applyCrds(["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"]);
await api.create(f.node("bench-node", {}));
for (const o of [f.gatewayClass(), f.gateway(), f.service(), f.endpointSlice()]) await api.create(o);
const p = await startPipeline(api, {
  nodeName: "bench-node",
  kube: { source: {}, lease: {}, status: process.env.STATUS_CONCURRENCY ? { concurrency: Number(process.env.STATUS_CONCURRENCY) } : {} },
});
await until("Gateway programmed", async () => JSON.stringify((await api.get(f.gateway())).status).includes('"Gateway programmed"'), 30_000);

const results: AttachedResult[] = [];
for (let i = 0; i < runs; i++) {
  const r = await runAttachedRoutes(api, routes, { prefix: `run${i}` });
  console.error(`run ${i + 1}: ${JSON.stringify(r)}`);
  results.push(r);
}

// An idle window: nothing changes, so nothing may be written.
const before = p.kube.details();
const gws = await tally(api, "/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways");
const rts = await tally(api, "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes");
await Bun.sleep(idleS * 1000);
const after = p.kube.details();
gws.stop();
rts.stop();

const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  JSON.stringify({
    bench: "kube-attached-routes",
    routes,
    runs: results,
    median: {
      setupMs: med(results.map((r) => r.setupMs)),
      teardownMs: med(results.map((r) => r.teardownMs)),
      gatewayWrites: med(results.map((r) => r.gatewayWrites.setup + r.gatewayWrites.teardown)),
      routeWrites: med(results.map((r) => r.routeWrites)),
    },
    idle: {
      seconds: idleS,
      statusWrites: after.status.writes - before.status.writes,
      gatewayModified: sum(gws.modified),
      routeModified: sum(rts.modified),
      nodeReportWrites: after.dataPlane.reportWrites - before.dataPlane.reportWrites,
    },
  }),
);
await p.stop();
await api.stop();
process.exit(0);
