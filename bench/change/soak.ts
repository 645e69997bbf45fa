// Issue 17 item 5's soak: ROUTES HTTPRoutes spread over NAMESPACES namespaces, one change a second
// for MINUTES minutes (route edits, endpoint changes, route removal and re-adding in turn), through
// compile and publish (no clients: this measures the control plane); RSS sampled every 10 s. Reported: the RSS slope after the
// first fifth (warm-up), in MB per hour, by least squares.
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile, CompileMemo } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { generate } from "../generate.ts";
import type { StoredObject } from "../../src/store/types.ts";

export interface SoakFigures {
  minutes: number;
  routes: number;
  changes: number;
  rssStartMb: number;
  rssEndMb: number;
  slopeMbPerHour: number;
}

function spread(text: string, namespaces: number): string {
  // generate() writes every route to "default"; spread them, allowed by the Gateway's listener.
  let i = 0;
  return text
    .replace(/from: Same/, "from: All")
    .replace(
      /kind: HTTPRoute\nmetadata:\n {2}name: (route-\d+)\n {2}namespace: default\nspec:\n {2}parentRefs:\n {2}- name: bench/g,
      (_m, name: string) =>
        `kind: HTTPRoute\nmetadata:\n  name: ${name}\n  namespace: ns-${i++ % namespaces}\nspec:\n  parentRefs:\n  - name: bench\n    namespace: default`,
    );
}

export async function soak(minutes: number, routes = 5000, namespaces = 50): Promise<SoakFigures> {
  const config = defaultConfig("bench-soak");
  const cache = new SnapshotCache({ reuseByIdentity: true });
  const memo = new CompileMemo();
  const all: StoredObject[] = parseFile("routes.yaml", spread(generate({ routes, hostnames: 1000, services: 500 }), namespaces)).objects;
  let objects = all;
  cache.publish(compile({ objects, config, memo }).xds);
  const samples: Array<[number, number]> = [];
  const t0 = performance.now();
  const end = t0 + minutes * 60_000;
  let n = 0;
  let nextSample = t0;
  const removed = new Map<string, StoredObject>();
  while (performance.now() < end) {
    const k = n % 3;
    const routesNow = objects.filter((o) => o.object.kind === "HTTPRoute");
    const pick = routesNow[(n * 7919) % routesNow.length]!;
    if (k === 0) {
      // A route edit: a new object for one route (as a re-read file gives).
      objects = objects.map((o) => (o === pick ? { ...o, object: structuredClone(o.object) } : o));
    } else if (k === 1) {
      const s = objects.findIndex((o) => o.key === `Service/default/svc-${n % 500}`);
      objects = objects.map((o, i) =>
        i === s
          ? { ...o, object: { ...o.object, metadata: { ...o.object.metadata, annotations: { "edgegate.io/endpoints": `192.0.2.${(n % 250) + 1}:8080` } } } }
          : o,
      );
    } else if (removed.size > 0 && n % 2 === 0) {
      const [key, o] = removed.entries().next().value!;
      removed.delete(key);
      objects = [...objects, o];
    } else {
      removed.set(pick.key, pick);
      objects = objects.filter((o) => o !== pick);
    }
    cache.publish(compile({ objects, config, memo }).xds);
    n++;
    if (performance.now() >= nextSample) {
      Bun.gc(false);
      samples.push([(performance.now() - t0) / 3.6e6, process.memoryUsage().rss / 1e6]);
      nextSample += 10_000;
    }
    await Bun.sleep(Math.max(0, t0 + n * 1000 - performance.now()));
  }
  const warm = samples.slice(Math.floor(samples.length / 5));
  const mx = warm.reduce((a, [x]) => a + x, 0) / warm.length;
  const my = warm.reduce((a, [, y]) => a + y, 0) / warm.length;
  const slope =
    warm.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) /
    Math.max(
      1e-12,
      warm.reduce((a, [x]) => a + (x - mx) ** 2, 0),
    );
  return {
    minutes,
    routes,
    changes: n,
    rssStartMb: Math.round(samples[0]?.[1] ?? 0),
    rssEndMb: Math.round(samples.at(-1)?.[1] ?? 0),
    slopeMbPerHour: Math.round(slope * 10) / 10,
  };
}
