// Kubernetes mode at scale, against the real API server (minikas on etcd, tests/kube/apiserver.ts):
//  1. ROUTES HTTPRoutes (default 10,000) created in the API; edgegate started: time from start to
//     the first complete snapshot (every type listed, compiled, published), and memory.
//  2. One GRPCRoute changed in the API (PUT) until a real xDS client (grpc-js-xds, separate process,
//     subscribed to the Gateway's proxyless api_listener) has ACKed the new RouteConfiguration:
//     p50/p99 over CHANGES changes. The 10,000 HTTPRoutes are compiled every time.
//  3. One HTTPRoute changed in the API until the snapshot containing it is published (no client
//     subscribes to the HTTP listener's routes: grpc-js-xds only reads api_listeners).
// The pipeline is the appliance's: KubeSource -> compile (with memo) -> SnapshotCache -> ADS server,
// and the Lease-elected status writer running (qps 20) as it would.
// Usage: bun bench/kube/bench.ts     (env ROUTES, CHANGES; needs scripts/setup-kube.sh)
import "../../src/register-kinds.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { createLogger } from "../../src/log/logger.ts";
import { compile, CompileMemo, type CompileResult } from "../../src/pipeline/compile.ts";
import { createKubeMode } from "../../src/sources/kube/mode.ts";
import { TypeUrl } from "../../src/xds/resources.ts";
import { ApiServer, apiServerAvailable } from "../../tests/kube/apiserver.ts";
import * as f from "../../tests/kube/fixtures.ts";
import { fmt, pct, startBench, waitFor } from "../xds/harness.ts";
import type { Obj } from "../../src/yaml/value.ts";

const routes = Number(process.env.ROUTES ?? 10000);
const changes = Number(process.env.CHANGES ?? 30);
if (!apiServerAvailable()) {
  console.error("bench/kube: no API server built; run scripts/setup-kube.sh");
  process.exit(1);
}
const mib = (n: number): number => Math.round(n / 2 ** 20);

const api = new ApiServer();
await api.start();
await api.applyCrds(["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "backendtlspolicies", "tlsroutes", "listenersets"]);
await api.create(f.node("bench-node", {}));
for (const o of [f.gatewayClass(), f.gateway(), f.service(), f.endpointSlice(), f.service("grpc"), f.endpointSlice("grpc", "default", ["10.0.1.1"])])
  await api.create(o);
const grpcRoute = (method: string): Obj => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "GRPCRoute",
  metadata: { name: "echo", namespace: "default" },
  spec: { parentRefs: [{ name: "web" }], rules: [{ matches: [{ method: { service: "bench.Echo", method } }], backendRefs: [{ name: "grpc", port: 80 }] }] },
});
await api.create(grpcRoute("M0"));

// Created with a few requests in flight (what kubectl apply of a big folder does, roughly).
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < routes) {
      const i = next++;
      await api.create(f.httpRoute(`r${i}`, "default", { path: `/r${i}`, host: `h${i % 100}.example` }));
    }
  }),
);
const createMs = performance.now() - t0;
console.error(`created ${routes} HTTPRoutes in ${(createMs / 1000).toFixed(1)} s`);

Bun.gc(true);
const rssBefore = process.memoryUsage().rss;
const config = defaultConfig("bench-node");
config.source.kubernetes = { inCluster: false, leaseNamespace: "default" };
const log = createLogger({ level: "error" });
const b = await startBench({ reuseByIdentity: true });
const memo = new CompileMemo();
let last: CompileResult | undefined;
let publishedAt = 0;
const startedAt = performance.now();
const kube = createKubeMode(config, log, { connection: api.connection() });
let firstSnapshotMs = 0;
await kube.source.start(() => {
  last = compile({ objects: kube.source.objects(), config, memo });
  b.cache.publish(last.xds);
  publishedAt = performance.now();
  if (!firstSnapshotMs) firstSnapshotMs = publishedAt - startedAt;
  kube.publishStatus(last.status);
});
kube.startLeaderElection();
const routesInSnapshot = last?.ir.routeConfigs.reduce((n, rc) => n + rc.virtualHosts.reduce((m, vh) => m + vh.routes.length, 0), 0) ?? 0;
const mem = process.memoryUsage();
Bun.gc(true);
const rssAfterGc = process.memoryUsage().rss;
console.error(`first snapshot after ${fmt(firstSnapshotMs)} ms with ${routesInSnapshot} routes`);

// 2. GRPCRoute change -> grpc-js-xds ACK.
b.clients("http.web.default", "kube", 1);
const mine = () => b.cache.clients().find((c) => c.nodeId === "kube-0" && c.types.some((t) => t.type === "rds"));
await waitFor(() => mine()?.types.length === 4 && b.cache.ackState("kube-0").current, 60_000, "the client to ACK the initial snapshot");
const toAck: number[] = [];
for (let i = 1; i <= changes; i++) {
  const before = mine()!.types.find((t) => t.type === "rds")!.desiredVersion;
  const acked = b.until((e) => e.type === "ack" && e.nodeId === "kube-0" && e.typeUrl === TypeUrl.route && e.version !== before, 60_000);
  const t = performance.now();
  await api.update(grpcRoute(""), (o) => {
    (o.spec as { rules: Array<{ matches: Array<{ method: { method: string } }> }> }).rules[0]!.matches[0]!.method.method = `M${i}`;
  });
  toAck.push((await acked) - t);
  await Bun.sleep(50);
}
toAck.sort((x, y) => x - y);

// 3. HTTPRoute change -> snapshot published.
const toPublish: number[] = [];
for (let i = 1; i <= changes; i++) {
  const name = `r${(i * 7919) % routes}`;
  const path = `/changed-${i}`;
  const t = performance.now();
  await api.update(f.httpRoute(name), (o) => {
    (o.spec as { rules: Array<{ matches: Array<{ path: { value: string } }> }> }).rules[0]!.matches[0]!.path.value = path;
  });
  await waitFor(
    () => JSON.stringify(last?.ir.routeConfigs.map((rc) => rc.virtualHosts.length)) !== undefined && hasPath(last, path),
    60_000,
    "the change in the snapshot",
  );
  toPublish.push(publishedAt - t);
  await Bun.sleep(50);
}
toPublish.sort((x, y) => x - y);

function hasPath(r: CompileResult | undefined, path: string): boolean {
  return !!r?.ir.routeConfigs.some((rc) => rc.virtualHosts.some((vh) => vh.routes.some((x) => JSON.stringify(x.match).includes(`"${path}"`))));
}

console.log(
  JSON.stringify({
    bench: "kube",
    httpRoutes: routes,
    createInApiS: Number((createMs / 1000).toFixed(1)),
    startToFirstSnapshotMs: fmt(firstSnapshotMs),
    routesInSnapshot,
    rssMiB: { beforeStart: mib(rssBefore), atFirstSnapshot: mib(mem.rss), afterGc: mib(rssAfterGc) },
    heapUsedMiB: mib(mem.heapUsed),
    grpcRouteChangeToGrpcJsXdsAckMs: { p50: fmt(pct(toAck, 50)), p99: fmt(pct(toAck, 99)), max: fmt(toAck.at(-1)!), n: toAck.length },
    httpRouteChangeToSnapshotPublishedMs: { p50: fmt(pct(toPublish, 50)), p99: fmt(pct(toPublish, 99)), max: fmt(toPublish.at(-1)!), n: toPublish.length },
    statusWrites: kube.details().status.writes,
  }),
);
await kube.stop();
await b.close();
await api.stop();
process.exit(0);
