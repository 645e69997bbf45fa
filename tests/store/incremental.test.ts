// The store keeps its merged list up to date one group at a time (src/store/store.ts replaceRun).
// Whatever the sequence of changes, the running store must give what a fresh load of the same
// groups gives: the same objects in the same order, the same problems.
import { describe, expect, test } from "bun:test";
import { ObjectStore, type GroupUpdate } from "../../src/store/store.ts";
import { storedObject, type StoredObject } from "../../src/store/types.ts";
import { formatProblem } from "../../src/validate/problems.ts";

const svc = (name: string, file: string, line: number, text: string): StoredObject =>
  storedObject({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" } }, { source: "file", file, line, text });

/** A group of objects named by `names`, each with its own text (a new text is a new version). */
function group(file: string, names: readonly string[], version: number): GroupUpdate {
  return {
    objects: names.map((n, i) => svc(n, file, i * 5 + 1, `${n}@${version}`)),
    invalid: [],
    complete: true,
    problems: names.length === 0 ? [{ file, line: 0, message: "empty file" }] : [],
    warnings: [],
  };
}

const view = (s: ObjectStore): { objects: string[]; problems: string[] } => ({
  objects: s.objects().map((o) => `${o.key} ${o.origin.source === "file" ? `${o.origin.file}:${o.origin.line} ${o.origin.text}` : ""}`),
  problems: s.problems().map(formatProblem),
});

/** A small deterministic generator, so a failure reproduces. */
function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x >>> 16) % n; // the high bits: the low ones of this generator repeat with a short period
  };
}

describe("ObjectStore kept up to date incrementally", () => {
  test("documents reordered inside a file: the new order, as a fresh load gives it", () => {
    const s = new ObjectStore();
    s.update("a.yaml", group("a.yaml", ["a", "b"], 1));
    s.objects();
    s.update("a.yaml", group("a.yaml", ["b", "a"], 1));
    expect(s.objects().map((o) => o.object.metadata.name)).toEqual(["b", "a"]);
  });

  test("a change hands out a new list; the previous one is left as it was", () => {
    const s = new ObjectStore();
    s.update("a.yaml", group("a.yaml", ["a"], 1));
    const before = s.objects();
    s.update("b.yaml", group("b.yaml", ["b"], 1));
    expect(before.map((o) => o.object.metadata.name)).toEqual(["a"]);
    expect(s.objects()).not.toBe(before);
    expect(s.objects().map((o) => o.object.metadata.name)).toEqual(["a", "b"]);
  });

  test("2,000 random adds, edits, reorders, duplicates and removals: always what a fresh load gives", () => {
    const next = random(7);
    const names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const files = ["m.yaml", "a.yaml", "z.yaml", "k/x.yaml", "k.yaml", "b.yaml"];
    const current = new Map<string, GroupUpdate>();
    const s = new ObjectStore();
    for (let step = 0; step < 2000; step++) {
      const file = files[next(files.length)]!;
      if (next(5) === 0) {
        s.remove(file);
        current.delete(file);
      } else {
        // A few distinct objects in a random order, sometimes one already defined by another file.
        const had = current.get(file)?.objects.map((o) => o.object.metadata.name);
        const picked = had && next(4) === 0 ? had.toReversed() : [...new Set(Array.from({ length: next(4) }, () => names[next(names.length)]!))];
        const u = group(file, picked, next(3));
        s.update(file, u);
        current.set(file, u);
      }
      if (next(2) === 0) continue; // sometimes several changes between reads
      const fresh = new ObjectStore();
      for (const [f, u] of current) fresh.update(f, u);
      expect({ step, ...view(s) }).toEqual({ step, ...view(fresh) });
    }
  });
});
