// Which key an object is stored under decides whether its last good version stays and whether two
// definitions collide. The key is Kubernetes' identity: a namespaced kind's namespace defaulted, a
// cluster-scoped kind's namespace dropped, whatever else is wrong with the object.
import { describe, expect, test } from "bun:test";
import { ObjectStore } from "../../src/store/store.ts";
import { parseFile } from "../../src/sources/files/parse.ts";
import { admit, apiPlacement } from "../../src/store/admit.ts";
import { formatProblem } from "../../src/validate/problems.ts";

function load(s: ObjectStore, file: string, text: string): void {
  const l = parseFile(file, text);
  s.update(file, { objects: l.objects, invalid: l.invalidKeys, complete: l.syntaxOk, problems: l.problems, warnings: l.warnings });
}

const service = (apiVersion: string, meta: string): string =>
  `apiVersion: ${apiVersion}\nkind: Service\nmetadata: {name: web${meta}}\nspec: {ports: [{port: 80}]}\n`;
const gatewayClass = (ns: string, controller: string): string =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edge${ns}}\nspec: {controllerName: ${controller}}\n`;

describe("store keys", () => {
  for (const meta of ["", ", namespace: default"])
    test(`a mistyped apiVersion group keeps the last good version (metadata${meta ? " with" : " without"} a namespace)`, () => {
      const s = new ObjectStore();
      load(s, "/x/a.yaml", service("v1", meta));
      load(s, "/x/a.yaml", service("core/v1", meta));
      expect(s.objects().map((o) => [o.key, o.object.apiVersion])).toEqual([["Service/default/web", "v1"]]);
      expect(s.problems().map((p) => p.message)).toEqual(["Service is served as v1, not core/v1"]);
    });

  test("a cluster-scoped kind's namespace is dropped with a warning naming the field; same names collide as duplicates", () => {
    const s = new ObjectStore();
    load(s, "/x/a.yaml", gatewayClass(", namespace: team-a", "edgegate.io/gateway-controller"));
    load(s, "/x/b.yaml", gatewayClass(", namespace: team-b", "example.com/other"));
    load(s, "/x/c.yaml", gatewayClass("", "example.com/third"));
    expect(s.objects().map((o) => [o.key, o.ref.namespace, o.object.metadata.namespace, (o.object.spec as { controllerName: string }).controllerName])).toEqual(
      [["GatewayClass//edge", "", undefined, "edgegate.io/gateway-controller"]],
    );
    expect(s.warnings().map(formatProblem)).toEqual([
      '/x/a.yaml:3: GatewayClass edge: metadata.namespace: GatewayClass is cluster-scoped: namespace "team-a" is ignored',
      '/x/b.yaml:3: GatewayClass edge: metadata.namespace: GatewayClass is cluster-scoped: namespace "team-b" is ignored',
    ]);
    expect(s.problems().map((p) => `${p.file}: ${p.message}`)).toEqual([
      "/x/b.yaml: defined again (first defined at /x/a.yaml:1); this copy is ignored",
      "/x/c.yaml: defined again (first defined at /x/a.yaml:1); this copy is ignored",
    ]);
  });

  test("a namespace that is not a string: an error on a cluster-scoped kind, and the key is still GatewayClass//edge", () => {
    const s = new ObjectStore();
    load(s, "/x/a.yaml", gatewayClass("", "edgegate.io/gateway-controller"));
    load(s, "/x/a.yaml", gatewayClass(", namespace: {weird: 1}", "example.com/other"));
    expect(s.objects().map((o) => [o.key, (o.object.spec as { controllerName: string }).controllerName])).toEqual([
      ["GatewayClass//edge", "edgegate.io/gateway-controller"],
    ]);
    expect(s.problems().map((p) => `${p.path}: ${p.message}`)).toEqual(["metadata.namespace: must be a string (GatewayClass is cluster-scoped: leave it out)"]);
  });

  test("a file that stops parsing keeps its objects and the warnings about them", () => {
    const s = new ObjectStore();
    load(s, "/x/a.yaml", gatewayClass(", namespace: team-a", "edgegate.io/gateway-controller"));
    const warned = s.warnings().map(formatProblem);
    expect(warned).toHaveLength(1);
    load(s, "/x/a.yaml", "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edge, namespace: [team-a\n");
    expect(s.objects().map((o) => o.key)).toEqual(["GatewayClass//edge"]);
    expect(s.problems()).not.toHaveLength(0);
    expect(s.warnings().map(formatProblem)).toEqual(warned);
  });

  test('a name or namespace with "/" or of another type never makes a key', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ["Service", { name: "a/b", namespace: "default" }],
      ["Service", { name: "a", namespace: "x/y" }],
      ["Service", { name: "a", namespace: { weird: 1 } }],
      ["Service", { name: 7 }],
      ["GatewayClass", { name: "a/b" }],
      ["Widget/x", { name: "a" }],
    ];
    for (const [kind, metadata] of cases) {
      const a = admit({ apiVersion: "v1", kind, metadata, spec: {} }, apiPlacement);
      expect({ kind, metadata, result: a.result, key: a.result === "invalid" ? a.key : "(valid)" }).toEqual({
        kind,
        metadata,
        result: "invalid",
        key: undefined,
      });
    }
  });
});
