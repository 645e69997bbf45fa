// Memoized compiles must give exactly what a fresh compile gives: the memo is an optimization only.
import { describe, expect, test } from "bun:test";
import { fromBinary, equals } from "@bufbuild/protobuf";
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile, CompileMemo } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { xdsToJson } from "../../src/xds/json.ts";
import { generate } from "../../bench/generate.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { RouteConfigurationSchema } from "../../src/gen/envoy/config/route/v3/route_pb.ts";
import { TypeUrl } from "../../src/xds/resources.ts";
import type { StoredObject } from "../../src/store/types.ts";

const config = defaultConfig("memo-test");
const base = parseFile("routes.yaml", generate({ routes: 200, hostnames: 20, services: 30 })).objects;

function withRoute(objects: StoredObject[], name: string, pathValue: string): StoredObject[] {
  const text = `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: ${name}, namespace: default}\nspec:\n  parentRefs: [{name: bench}]\n  hostnames: [host-3.example.com]\n  rules:\n  - matches: [{path: {type: Exact, value: ${pathValue}}}]\n    backendRefs: [{name: svc-1, port: 8080}]\n`;
  const extra = parseFile(`${name}.yaml`, text).objects;
  return [...objects.filter((o) => !extra.some((e) => e.key === o.key)), ...extra];
}

function withBackend(objects: StoredObject[], name: string, service: string, namespace: string): StoredObject[] {
  const text = `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: ${name}, namespace: default}\nspec:\n  parentRefs: [{name: bench}]\n  hostnames: [host-3.example.com]\n  rules:\n  - matches: [{path: {type: Exact, value: /${name}}}]\n    backendRefs: [{name: ${service}, namespace: ${namespace}, port: 8080}]\n`;
  return [...objects, ...parseFile(`${name}.yaml`, text).objects];
}
const serviceText = (name: string, namespace: string): string =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${namespace}, annotations: {edgegate.io/endpoints: "192.0.2.9:8080"}}\nspec: {ports: [{port: 8080}]}\n`;
const grantText = `apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: allow, namespace: other}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]\n  to: [{group: "", kind: Service}]\n`;

describe("compile memo", () => {
  test("a sequence of changes compiles to the same xDS with and without the memo", () => {
    const memo = new CompileMemo();
    const steps = [base, withRoute(base, "extra", "/a"), withRoute(base, "extra", "/b"), withRoute(withRoute(base, "extra", "/b"), "other", "/c"), base];
    for (const objects of steps) {
      const memoized = compile({ objects, config, memo });
      const fresh = compile({ objects, config });
      expect(JSON.stringify(xdsToJson(memoized.xds))).toBe(JSON.stringify(xdsToJson(fresh.xds)));
      expect(JSON.stringify(memoized.status)).toBe(JSON.stringify(fresh.status));
    }
    // The memo really is used: the second compile of unchanged routes rebuilds none of them.
    compile({ objects: base, config, memo });
    // (Their attachments are reused whole, rules included: the rules memo is not even asked.)
    expect(memo.translate.misses).toBe(0);
    expect(memo.translate.attachHits).toBeGreaterThan(0);
  });

  test("a changed Service rebuilds the routes that use it, and only those", () => {
    const memo = new CompileMemo();
    compile({ objects: base, config, memo });
    const svc = base.find((o) => o.key === "Service/default/svc-1")!;
    const renamed = base.map((o) => (o === svc ? { ...o, object: { ...o.object, spec: { ports: [{ name: "http", port: 9090 }] } } } : o));
    const r = compile({ objects: renamed, config, memo });
    // Routes with a backendRef to svc-1:8080 now resolve to nothing (500) and are rebuilt; the rest are kept.
    expect(memo.translate.misses).toBeGreaterThan(0);
    // The rest are not even asked: their attachments are kept, since they never looked svc-1 up (translate/world.ts).
    expect(memo.translate.world.outcome).toBe("services");
    expect(memo.translate.attachHits).toBeGreaterThan(memo.translate.misses);
    expect(JSON.stringify(xdsToJson(r.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: renamed, config }).xds)));
    expect(JSON.stringify(r.status)).toBe(JSON.stringify(compile({ objects: renamed, config }).status));
  });

  test("a Service created for one route, and a ReferenceGrant, rebuild only what now resolves differently", () => {
    const memo = new CompileMemo();
    const missing = withBackend(base, "needs-new", "svc-new", "default");
    compile({ objects: missing, config, memo });
    const created = [...missing, ...parseFile("svc-new.yaml", serviceText("svc-new", "default")).objects];
    const r = compile({ objects: created, config, memo });
    expect(memo.translate.misses).toBe(1);
    expect(JSON.stringify(xdsToJson(r.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: created, config }).xds)));
    // A Service in another namespace: refused without a ReferenceGrant, allowed with one.
    const cross = [...withBackend(base, "cross", "svc-x", "other"), ...parseFile("svc-x.yaml", serviceText("svc-x", "other")).objects];
    compile({ objects: cross, config, memo });
    const granted = [...cross, ...parseFile("grant.yaml", grantText).objects];
    const g = compile({ objects: granted, config, memo });
    expect(memo.translate.misses).toBe(1);
    const fresh = compile({ objects: granted, config });
    expect(JSON.stringify(xdsToJson(g.xds))).toBe(JSON.stringify(xdsToJson(fresh.xds)));
    expect(JSON.stringify(g.status)).toBe(JSON.stringify(fresh.status));
    // And back: the grant removed, the route answers 500 again, as a fresh compile says.
    const back = compile({ objects: cross, config, memo });
    expect(JSON.stringify(xdsToJson(back.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: cross, config }).xds)));
  });

  test("spliced RouteConfiguration encodings decode to the same message", () => {
    const memo = new CompileMemo();
    const cache = new SnapshotCache({ reuseByIdentity: true });
    for (const objects of [base, withRoute(base, "extra", "/a")]) {
      const r = compile({ objects, config, memo });
      cache.publish(r.xds);
      const entries = cache.snapshot().types.get(TypeUrl.route)!.entries;
      for (const rc of r.xds.routes) {
        const decoded = fromBinary(RouteConfigurationSchema, entries.get(rc.name)!.any.value);
        expect(equals(RouteConfigurationSchema, decoded, rc)).toBe(true);
      }
    }
  });

  test("a route added to one hostname re-sorts that hostname's routes only; the result is a fresh compile's", () => {
    const memo = new CompileMemo();
    compile({ objects: base, config, memo });
    const added = withRoute(base, "added", "/added");
    const r = compile({ objects: added, config, memo });
    expect(JSON.stringify(xdsToJson(r.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: added, config }).xds)));
    // 20 hostnames on the generated Gateway's listener: all but host-3 keep their sorted routes.
    expect(memo.translate.hostHits).toBe(19);
    // The route removed again: host-3 is re-sorted back, and matches a fresh compile too.
    const back = compile({ objects: base, config, memo });
    expect(memo.translate.hostHits).toBe(19);
    expect(JSON.stringify(xdsToJson(back.xds))).toBe(JSON.stringify(xdsToJson(compile({ objects: base, config }).xds)));
  });
});
