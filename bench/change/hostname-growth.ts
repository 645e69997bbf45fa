// One route added to a proxyless hostname that already has N GRPCRoutes (issue 17 item 3's later
// additions: the hostname's RouteConfiguration grows to 3,000 routes): compile (translate + emit)
// and publish (snapshot: encode + hash), in process, median of 30 additions.
//   bun bench/change/hostname-growth.ts [N=3000]
import { parseFile } from "../../src/sources/files/parse.ts";
import { CompileMemo, compile } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import type { StoredObject } from "../../src/store/types.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { gatewayClass, gatewayYaml, grpcRouteYaml, serviceYaml } from "../../tests/xds/pipeline-plane.ts";

const n = Number(process.argv[2] ?? 3000);
const config = defaultConfig("bench-hostname-growth");
const memo = new CompileMemo();
const cache = new SnapshotCache({ reuseByIdentity: true });
let objects: StoredObject[] = parseFile("g.yaml", [gatewayClass, gatewayYaml({ grpc: 18080 }), serviceYaml("svc-a", [9001])].join("---\n")).objects;
const add = (i: number): void => {
  const text = grpcRouteYaml(`new-${i}`, {
    hostnames: ["new.example.com"],
    rules: [{ method: "test.Echo/Echo", headers: { "x-route": String(i) }, to: { "svc-a": 1 } }],
  });
  objects = [...objects, ...parseFile(`new-${i}.yaml`, text).objects];
};
for (let i = 0; i < n; i++) add(i);
cache.publish(compile({ objects, config, memo }).xds);
const compileMs: number[] = [];
const publishMs: number[] = [];
for (let i = n; i < n + 30; i++) {
  add(i);
  const t0 = performance.now();
  const r = compile({ objects, config, memo });
  const t1 = performance.now();
  cache.publish(r.xds);
  compileMs.push(t1 - t0);
  publishMs.push(performance.now() - t1);
}
const median = (xs: number[]): string => [...xs].sort((a, b) => a - b)[xs.length >> 1]!.toFixed(1);
console.log(`one route added to a hostname with ${n}: compile ${median(compileMs)} ms, publish ${median(publishMs)} ms (median of 30)`);
