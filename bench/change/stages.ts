// Where the time of one change goes, stage by stage, with N generated HTTPRoutes loaded and a
// proxyless GRPCRoute (the traffic scenario's shape) beside them:
//   bun bench/change/stages.ts [N=10000] [--rounds 5]
// Each change kind is applied ROUNDS times; the median per stage is printed (ms, wall, in process):
// translate, emit, publish (snapshot build: encode + hash) and fan-out (one SotW client per type).
import { parseFile } from "../../src/sources/files/parse.ts";
import { CompileMemo, emitOptions, translateOnly } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { emitXds } from "../../src/xds/emit/index.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import type { StoredObject } from "../../src/store/types.ts";
import { generate } from "../generate.ts";
import { gatewayYaml, grpcRouteYaml, serviceYaml } from "../../tests/xds/pipeline-plane.ts";
import { pct } from "./plane.ts";

const args = process.argv.slice(2);
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 10000);
const ri = args.indexOf("--rounds");
const rounds = ri >= 0 ? Number(args[ri + 1]) : 5;

const config = defaultConfig("bench-stages");
const memo = new CompileMemo();
const cache = new SnapshotCache({ reuseByIdentity: true });
const bulk = generate({ routes: n, hostnames: 1000, services: 500 });
let objects: StoredObject[] = parseFile("others.yaml", bulk).objects;
// Parsed once per text, as the file source does: an unchanged document keeps its objects, so the
// memos see unchanged objects as unchanged.
const parsed = new Map<string, StoredObject[]>();
const parse = (text: string): StoredObject[] => {
  let o = parsed.get(text);
  if (!o) parsed.set(text, (o = parseFile("scenario.yaml", text).objects));
  return o;
};
const small = (i: number, extraService: boolean, endpointPort: number): StoredObject[] =>
  [
    gatewayYaml({ grpc: 18080 }),
    serviceYaml("svc-a", [endpointPort]),
    serviceYaml("svc-b", [9002]),
    ...(extraService ? [serviceYaml("svc-c", [9003])] : []),
    grpcRouteYaml("app", { hostnames: ["app.example.com"], rules: [{ to: extraService ? { "svc-c": 1 } : { "svc-a": 100 - i, "svc-b": i } }] }),
  ].flatMap(parse);

interface Times {
  translate: number;
  emit: number;
  publish: number;
}
function once(next: StoredObject[]): Times {
  const t0 = performance.now();
  const t = translateOnly({ objects: next, config, memo });
  const t1 = performance.now();
  const xds = emitXds(t.ir, emitOptions(config), memo.emit);
  const t2 = performance.now();
  cache.publish(xds);
  const t3 = performance.now();
  return { translate: t1 - t0, emit: t2 - t1, publish: t3 - t2 };
}

objects = [...objects, ...small(0, false, 9001)];
const base = objects.length;
const first = once(objects);
console.error(
  `initial compile at ${n} routes: translate ${first.translate.toFixed(0)} ms, emit ${first.emit.toFixed(0)} ms, publish ${first.publish.toFixed(0)} ms`,
);
// A warm-up round of each kind, then the measured ones.
const kinds: Array<[string, (i: number) => StoredObject[]]> = [
  ["route edit (weights)", (i) => small(i + 1, false, 9001)],
  ["Service added + route swapped to it", () => small(0, true, 9001)],
  ["endpoint change (annotation)", (i) => small(0, false, 9100 + i)],
  // Issue 17 item 3's change: one more GRPCRoute on an existing hostname (a new name each round).
  [
    "GRPCRoute added",
    (i) => [
      ...small(50, false, 9001),
      ...parse(
        grpcRouteYaml(`new-${i}`, {
          hostnames: ["app.example.com"],
          rules: [{ method: "test.Echo/Echo", headers: { "x-route": String(i) }, to: { "svc-a": 1 } }],
        }),
      ),
    ],
  ],
];
const keep = objects.slice(0, base - small(0, false, 9001).length);
console.log(`| change at ${n.toLocaleString("en")} routes | translate | emit | publish | total (median of ${rounds}) |`);
console.log("| --- | --- | --- | --- | --- |");
for (const [what, make] of kinds) {
  const samples: Times[] = [];
  for (let i = 0; i <= rounds; i++) {
    // Back to the base state first, so every round is one change of this kind.
    once([...keep, ...small(50, false, 9001)]);
    const s = once([...keep, ...make(i)]);
    if (i > 0) samples.push(s);
  }
  const med = (f: (t: Times) => number): number => pct(samples.map(f), 50);
  console.log(
    `| ${what} | ${med((t) => t.translate).toFixed(0)} ms | ${med((t) => t.emit).toFixed(0)} ms | ${med((t) => t.publish).toFixed(0)} ms | ${med((t) => t.translate + t.emit + t.publish).toFixed(0)} ms |`,
  );
}
