// Propagation through the whole appliance: with N HTTPRoutes loaded (default 10,000), change one
// GRPCRoute on disk and time the write -> a real grpc-js-xds client (separate process, proxyless,
// subscribed to the Gateway listener's api_listener) has ACKed the new RouteConfiguration.
//   bun bench/propagation.ts [N] [CHANGES]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "./generate.ts";
import { defaultConfig } from "../src/config/types.ts";
import { createLogger } from "../src/log/logger.ts";
import { startAppliance } from "../src/run/appliance.ts";
import { TypeUrl } from "../src/xds/resources.ts";
import { freePort } from "../tests/helpers/ports.ts";

const n = Number(process.argv[2] ?? 10000);
const changes = Number(process.argv[3] ?? 50);
const dir = mkdtempSync(join(tmpdir(), "edgegate-prop-"));
const grpcFile = join(dir, "grpc.yaml");

const grpcYaml = (i: number): string => `apiVersion: v1
kind: Service
metadata: {name: grpc-echo, namespace: default, annotations: {edgegate.io/endpoints: "127.0.0.1:50051"}}
spec: {ports: [{port: 50051, appProtocol: kubernetes.io/h2c}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: echo, namespace: default}
spec:
  parentRefs: [{name: bench}]
  rules:
  - matches: [{method: {service: bench.Echo, method: Call${i}}}]
    backendRefs: [{name: grpc-echo, port: 50051}]
`;

writeFileSync(join(dir, "routes.yaml"), generate({ routes: n, hostnames: 1000, services: 500 }));
writeFileSync(grpcFile, grpcYaml(0));
const port = await freePort();
const config = defaultConfig("bench-node");
config.source.paths = [dir];
config.xds = { socket: join(dir, "xds.sock"), tcpAddress: { kind: "tcp", host: "127.0.0.1", port } };
config.health.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
config.admin.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
config.envoy = { ...config.envoy, path: "/nonexistent/envoy", drainSeconds: 0 };
const t0 = performance.now();
const app = await startAppliance(config, createLogger({ level: "warn" }));
console.error(`start + first snapshot: ${(performance.now() - t0).toFixed(0)} ms for ${n} HTTPRoutes`);

const node = "prop-0";
const child = spawn(process.execPath, [join(import.meta.dir, "xds/grpc-clients.ts"), String(port), "http.bench.default", "prop", "1"], {
  stdio: ["pipe", "ignore", "inherit"],
});
const acks: Array<{ at: number; version: string }> = [];
app.cache.onEvent((e) => {
  if (e.type === "ack" && e.nodeId === node && e.typeUrl === TypeUrl.route) acks.push({ at: performance.now(), version: e.version });
});
const deadline = Date.now() + 60_000;
while (acks.length === 0 && Date.now() < deadline) await Bun.sleep(20);
if (acks.length === 0) throw new Error("the grpc-js-xds client never ACKed a RouteConfiguration");

const samples: number[] = [];
for (let i = 1; i <= changes; i++) {
  const before = acks.length;
  const lastVersion = acks[acks.length - 1]!.version;
  const start = performance.now();
  writeFileSync(grpcFile, grpcYaml(i));
  const until = Date.now() + 30_000;
  while (!(acks.length > before && acks[acks.length - 1]!.version !== lastVersion) && Date.now() < until) await Bun.sleep(1);
  if (acks.length === before) throw new Error(`change ${i}: no ACK within 30 s`);
  samples.push(acks[acks.length - 1]!.at - start);
  await Bun.sleep(50);
}
samples.sort((a, b) => a - b);
const pct = (p: number): number => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]!;
console.log(
  `propagation, ${n} HTTPRoutes loaded, ${changes} GRPCRoute changes on disk -> grpc-js-xds ACK: p50 ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms, max ${samples[samples.length - 1]!.toFixed(0)} ms`,
);
console.log(`edgegate RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
child.kill("SIGTERM");
await app.stop({ drain: false });
rmSync(dir, { recursive: true, force: true });
process.exit(0);
