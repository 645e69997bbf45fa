// The store decides last good, identity, order and duplicates the same way for every source.
import { describe, expect, test } from "bun:test";
import { ObjectStore, type GroupUpdate } from "../../src/store/store.ts";
import { admit, apiPlacement } from "../../src/store/admit.ts";
import { storedObject, type Origin, type StoredObject } from "../../src/store/types.ts";
import { formatProblem, type Problem } from "../../src/validate/problems.ts";

const svc = (name: string, port: unknown): Record<string, unknown> => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { ports: [{ port }] } });

/** Admits values the way a source does; `origin` says where each came from. */
function reading(values: unknown[], origin: (i: number) => Origin, complete = true): GroupUpdate {
  const u = { objects: [] as StoredObject[], invalid: [] as string[], complete, warnings: [] };
  const problems: Problem[] = [];
  for (const [i, v] of values.entries()) {
    const a = admit(v, apiPlacement);
    if (a.result === "ok") u.objects.push(storedObject(a.object, origin(i)));
    else if (a.result === "invalid") {
      if (a.key) u.invalid.push(a.key);
      problems.push(...a.problems);
    }
  }
  return { ...u, problems };
}
const fileOrigin =
  (file: string, texts: string[]) =>
  (i: number): Origin => ({ source: "file", file, line: i * 10 + 1, text: texts[i] ?? "" });
const ports = (s: ObjectStore): Record<string, unknown> =>
  Object.fromEntries(s.objects().map((o) => [o.object.metadata.name, (o.object.spec as { ports: Array<{ port: unknown }> }).ports[0]!.port]));

describe("ObjectStore", () => {
  test("an invalid object keeps its last good version; valid neighbours update; the problem names it", () => {
    const s = new ObjectStore();
    expect(s.update("a.yaml", reading([svc("a", 80), svc("b", 81)], fileOrigin("a.yaml", ["a80", "b81"])))).toBe(true);
    expect(s.update("a.yaml", reading([svc("a", "http"), svc("b", 91)], fileOrigin("a.yaml", ["ahttp", "b91"])))).toBe(true);
    expect(ports(s)).toEqual({ a: 80, b: 91 });
    expect(s.problems().map(formatProblem)).toEqual(['(kubernetes):0: Service default/a: spec.ports[0].port: must be an integer (got "http")']);
  });

  test("a group that cannot be trusted keeps every object it had", () => {
    const s = new ObjectStore();
    s.update("a.yaml", reading([svc("a", 80)], fileOrigin("a.yaml", ["a80"])));
    const broken = { objects: [], invalid: [], complete: false, problems: [{ file: "a.yaml", line: 3, message: "bad YAML" }], warnings: [] };
    expect(s.wouldRemove("a.yaml", broken)).toBe(false);
    s.update("a.yaml", broken);
    expect(ports(s)).toEqual({ a: 80 });
    expect(s.problems().map((p) => p.message)).toEqual(["bad YAML"]);
  });

  test("the same text (or resourceVersion) keeps the StoredObject; a new one replaces it", () => {
    const s = new ObjectStore();
    s.update("a.yaml", reading([svc("a", 80)], fileOrigin("a.yaml", ["a80"])));
    const before = s.get("Service/default/a");
    expect(s.update("a.yaml", reading([svc("a", 80)], fileOrigin("a.yaml", ["a80"])))).toBe(false);
    expect(s.get("Service/default/a")).toBe(before!);
    const api = (rv: string) => (): Origin => ({ source: "kubernetes", resourceVersion: rv });
    s.update("Service/default/k", reading([svc("k", 80)], api("7")));
    const k = s.get("Service/default/k");
    expect(s.update("Service/default/k", reading([svc("k", 80)], api("7")))).toBe(false);
    expect(s.get("Service/default/k")).toBe(k!);
    expect(s.update("Service/default/k", reading([svc("k", 81)], api("8")))).toBe(true);
    expect(s.get("Service/default/k")).not.toBe(k!);
  });

  test("groups in name order; a duplicate is taken from the first group and reported where it was ignored", () => {
    const s = new ObjectStore();
    s.update("b.yaml", reading([svc("x", 2), svc("b", 1)], fileOrigin("b.yaml", ["x2", "b1"])));
    s.update("a.yaml", reading([svc("x", 1), svc("a", 1)], fileOrigin("a.yaml", ["x1", "a1"])));
    expect(s.objects().map((o) => o.object.metadata.name)).toEqual(["x", "a", "b"]);
    expect(ports(s).x).toBe(1);
    expect(s.problems().map(formatProblem)).toEqual(["b.yaml:1: Service default/x: defined again (first defined at a.yaml:1); this copy is ignored"]);
    s.remove("a.yaml");
    expect(ports(s)).toEqual({ x: 2, b: 1 });
    expect(s.problems()).toEqual([]);
  });

  test("wouldRemove: only a complete reading that drops an object in force", () => {
    const s = new ObjectStore();
    s.update("a.yaml", reading([svc("a", 80), svc("b", 81)], fileOrigin("a.yaml", ["a", "b"])));
    expect(s.wouldRemove("a.yaml", reading([svc("a", 80)], fileOrigin("a.yaml", ["a"])))).toBe(true);
    // b invalid now: its last good version stays, nothing is removed.
    expect(s.wouldRemove("a.yaml", reading([svc("a", 80), svc("b", "x")], fileOrigin("a.yaml", ["a", "bx"])))).toBe(false);
    expect(s.wouldRemove("new.yaml", reading([], fileOrigin("new.yaml", [])))).toBe(false);
  });

  test("an edit that keeps a group's keys: a new list with the object in its place; duplicate messages follow the first copy's line", () => {
    const s = new ObjectStore();
    s.update("a.yaml", reading([svc("a", 80), svc("x", 1)], fileOrigin("a.yaml", ["a80", "x1"])));
    s.update("b.yaml", reading([svc("b", 81), svc("x", 2)], fileOrigin("b.yaml", ["b81", "x2"])));
    const before = s.objects();
    s.update("b.yaml", reading([svc("b", 91), svc("x", 2)], fileOrigin("b.yaml", ["b91", "x2"])));
    const after = s.objects();
    expect(after).not.toBe(before);
    expect(before.map((o) => o.object.metadata.name)).toEqual(["a", "x", "b"]);
    expect(ports(s)).toEqual({ a: 80, x: 1, b: 91 });
    expect(s.get("Service/default/b")).toBe(after[2]!);
    // x is defined twice: a's copy moves to another line, and the message says so.
    s.update(
      "a.yaml",
      reading([svc("a", 80), svc("x", 1)], (i) => ({ source: "file", file: "a.yaml", line: i * 20 + 1, text: `moved${i}` })),
    );
    expect(s.problems().map((p) => p.message)).toEqual(["defined again (first defined at a.yaml:21); this copy is ignored"]);
  });
});
