// Issue 17 item 5: memory after a big load goes away, and CPU per change. In this process: the
// pipeline (parse once, compile with the memo, publish to the cache) without clients.
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile, CompileMemo } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { generate } from "../generate.ts";
import type { StoredObject } from "../../src/store/types.ts";

const mb = (n: number): number => Math.round(n / 1e6);
function settle(): { rss: number; heap: number } {
  Bun.gc(true);
  const m = process.memoryUsage();
  return { rss: mb(m.rss), heap: mb(m.heapUsed) };
}

export interface MemoryFigures {
  routes: number;
  before: { rss: number; heap: number };
  loaded: { rss: number; heap: number };
  removed: { rss: number; heap: number };
}

/** Load ROUTES generated HTTPRoutes, then remove every route (the Gateway and Services stay). */
export function memoryAfterRemoval(routes: number): MemoryFigures {
  const config = defaultConfig("bench-memory");
  const cache = new SnapshotCache({ reuseByIdentity: true });
  const memo = new CompileMemo();
  const before = settle();
  let objects: StoredObject[] = parseFile("routes.yaml", generate({ routes, hostnames: 1000, services: 500 })).objects;
  cache.publish(compile({ objects, config, memo }).xds);
  const loaded = settle();
  objects = objects.filter((o) => o.object.kind !== "HTTPRoute");
  cache.publish(compile({ objects, config, memo }).xds);
  objects = [];
  const removed = settle();
  return { routes, before, loaded, removed };
}

export interface CpuFigures {
  routes: number;
  routeEditMs: number;
  endpointChangeMs: number;
}

/** CPU time (user + system) per compile + publish of one route edit and of one endpoint change. */
export function cpuPerChange(routes: number, changes = 20): CpuFigures {
  const config = defaultConfig("bench-cpu");
  const cache = new SnapshotCache({ reuseByIdentity: true });
  const memo = new CompileMemo();
  let objects = parseFile("routes.yaml", generate({ routes, hostnames: 1000, services: 500 })).objects;
  cache.publish(compile({ objects, config, memo }).xds);
  const cpu = (fn: () => void): number => {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  const edit: number[] = [];
  const endpoint: number[] = [];
  for (let i = 0; i < changes; i++) {
    const r = objects.findIndex((o) => o.key === `HTTPRoute/default/route-${i}`);
    const text = `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: route-${i}, namespace: default}\nspec:\n  parentRefs: [{name: bench}]\n  hostnames: [host-${i}.example.com]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: /edited/${i}}}]\n    backendRefs: [{name: svc-1, port: 8080}]\n`;
    edit.push(
      cpu(() => {
        objects = objects.map((o, k) => (k === r ? parseFile("edit.yaml", text).objects[0]! : o));
        cache.publish(compile({ objects, config, memo }).xds);
      }),
    );
    const s = objects.findIndex((o) => o.key === `Service/default/svc-${i}`);
    endpoint.push(
      cpu(() => {
        objects = objects.map((o, k) =>
          k === s
            ? { ...o, object: { ...o.object, metadata: { ...o.object.metadata, annotations: { "edgegate.io/endpoints": `192.0.2.${i + 1}:8080` } } } }
            : o,
        );
        cache.publish(compile({ objects, config, memo }).xds);
      }),
    );
  }
  const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { routes, routeEditMs: avg(edit), endpointChangeMs: avg(endpoint) };
}
