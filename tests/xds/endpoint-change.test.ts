// An endpoint change costs an EDS update, not a re-translation of every route: in file mode a
// Service's endpoints live in its edgegate.io/endpoints annotation, and changing it must keep every
// remembered route (issue 17 item 5), while the output stays what a fresh compile gives.
import { describe, expect, test } from "bun:test";
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile, CompileMemo } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { xdsToJson } from "../../src/xds/json.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { generate } from "../../bench/generate.ts";
import type { StoredObject } from "../../src/store/types.ts";

const config = defaultConfig("endpoint-change-test");
const base = parseFile("routes.yaml", generate({ routes: 300, hostnames: 30, services: 20 })).objects;

function withAnnotation(objects: StoredObject[], key: string, value: string): StoredObject[] {
  return objects.map((o) =>
    o.key === key
      ? { ...o, object: { ...o.object, metadata: { ...o.object.metadata, annotations: { ...o.object.metadata.annotations, "edgegate.io/endpoints": value } } } }
      : o,
  );
}

describe("endpoint changes", () => {
  test("a Service's endpoints annotation changes: no route is rebuilt, only EDS changes, output as fresh", () => {
    const memo = new CompileMemo();
    const cache = new SnapshotCache({ reuseByIdentity: true });
    cache.publish(compile({ objects: base, config, memo }).xds);
    const moved = withAnnotation(base, "Service/default/svc-1", "192.0.2.77:8080");
    const r = compile({ objects: moved, config, memo });
    // An endpoint-only change keeps the world (translate/world.ts): every route is reused as attached.
    expect(memo.translate.world.outcome).toBe("endpoints");
    expect(memo.translate.misses).toBe(0);
    expect(memo.translate.attachHits).toBeGreaterThan(0);
    expect(JSON.stringify(xdsToJson(r.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: moved, config }).xds)));
    expect(cache.publish(r.xds).changed).toEqual(["eds"]);
  });

  test("any other change to a Service rebuilds the routes that use it", () => {
    const memo = new CompileMemo();
    compile({ objects: base, config, memo });
    const relabelled = base.map((o) =>
      o.key === "Service/default/svc-1" ? { ...o, object: { ...o.object, spec: { ports: [{ name: "http", port: 9090 }] } } } : o,
    );
    const r = compile({ objects: relabelled, config, memo });
    expect(memo.translate.misses).toBeGreaterThan(0);
    expect(JSON.stringify(xdsToJson(r.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: relabelled, config }).xds)));
  });
});
