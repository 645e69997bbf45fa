// The objects read from the API server, validated exactly like files: an invalid object keeps its
// last good version in force and is reported; a deleted one goes. Objects are trimmed on the way in
// (managedFields, last-applied annotations): they are large, unused, and the last-applied copy of a
// Secret would hold its data a second time.
import type { KubeObject, StoredObject } from "../../store/types.ts";
import { objectKey } from "../../store/types.ts";
import { validateObject } from "../../validate/object.ts";
import { formatPath, ObjectProblems, type Problem } from "../../validate/problems.ts";
import { isObj, type Obj } from "../../validate/fields.ts";

const dropAnnotations = ["kubectl.kubernetes.io/last-applied-configuration"];

/** The metadata fields edgegate reads; everything else (managedFields, ownerReferences) is dropped. */
function trim(o: Obj): Obj {
  const m = isObj(o.metadata) ? o.metadata : {};
  const meta: Obj = {};
  for (const k of ["name", "namespace", "generation", "resourceVersion", "uid", "creationTimestamp", "labels", "deletionTimestamp"])
    if (m[k] !== undefined) meta[k] = m[k];
  if (isObj(m.annotations)) {
    const a = { ...m.annotations };
    for (const k of dropAnnotations) delete a[k];
    if (Object.keys(a).length > 0) meta.annotations = a;
  }
  return { ...o, metadata: meta };
}

function keyOf(o: Obj): string | undefined {
  const m = isObj(o.metadata) ? o.metadata : undefined;
  if (typeof o.kind !== "string" || !m || typeof m.name !== "string") return undefined;
  return objectKey(o.kind, typeof m.namespace === "string" ? m.namespace : undefined, m.name);
}

/**
 * What translation reads of an object: everything but status and resourceVersion. Our own status
 * writes come back through the watch; they must not trigger a recompute on every node.
 */
function fingerprint(o: Obj): number | bigint {
  const m = isObj(o.metadata) ? { ...o.metadata, resourceVersion: undefined } : undefined;
  return Bun.hash(JSON.stringify({ ...o, status: undefined, metadata: m }));
}

export class KubeStore {
  private readonly good = new Map<string, StoredObject>();
  private readonly prints = new Map<string, number | bigint>();
  private readonly invalid = new Map<string, Problem[]>();
  private cached: StoredObject[] | undefined;

  /** Adds or replaces one object; returns whether the objects in force or the problems changed. */
  upsert(raw: Obj): boolean {
    const o = trim(raw);
    const key = keyOf(o);
    if (!key) return false;
    const rv = isObj(o.metadata) && typeof o.metadata.resourceVersion === "string" ? o.metadata.resourceVersion : "";
    const prev = this.good.get(key);
    // Same resourceVersion (a relist): keep the old object so its identity, and memoized work, survive.
    if (prev && prev.origin.source === "kubernetes" && prev.origin.resourceVersion === rv && !this.invalid.has(key)) return false;
    const print = fingerprint(o);
    if (prev && !this.invalid.has(key) && this.prints.get(key) === print) {
      // Only status changed (often our own write): keep the newest for the status writer to
      // compare against, without a change for the pipeline. It was validated in this shape before.
      this.good.set(key, { key, object: o as KubeObject, origin: { source: "kubernetes", resourceVersion: rv } });
      this.cached = undefined;
      return false;
    }
    const r = new ObjectProblems();
    const verdict = validateObject(o, r);
    if (verdict.result !== "ok") {
      const m = o.metadata as KubeObject["metadata"];
      const object = { kind: String(o.kind), namespace: m.namespace, name: m.name };
      const problems =
        verdict.result === "ignored"
          ? [{ file: "(kubernetes)", line: 0, object, message: verdict.reason }]
          : [
              ...r.found.map((f) => ({ file: "(kubernetes)", line: 0, object, path: formatPath(f.path) || undefined, message: f.message })),
              ...(r.omitted ? [{ file: "(kubernetes)", line: 0, object, message: r.omitted }] : []),
            ];
      this.invalid.set(key, problems);
      return true;
    }
    this.invalid.delete(key);
    this.prints.set(key, print);
    this.good.set(key, { key, object: verdict.object, origin: { source: "kubernetes", resourceVersion: rv } });
    this.cached = undefined;
    return true;
  }

  remove(raw: Obj): boolean {
    const key = keyOf(raw);
    if (!key) return false;
    const had = this.invalid.delete(key);
    this.prints.delete(key);
    if (!this.good.delete(key)) return had;
    this.cached = undefined;
    return true;
  }

  /** A complete list of one kind: upserts every item, removes what the list no longer has. */
  replaceKind(kind: string, items: Obj[]): boolean {
    let changed = false;
    const seen = new Set<string>();
    for (const it of items) {
      const k = keyOf(it);
      if (k) seen.add(k);
      if (this.upsert(it)) changed = true;
    }
    const prefix = `${kind}/`;
    for (const k of [...this.good.keys()]) {
      if (k.startsWith(prefix) && !seen.has(k)) {
        this.good.delete(k);
        this.prints.delete(k);
        this.cached = undefined;
        changed = true;
      }
    }
    for (const k of [...this.invalid.keys()]) if (k.startsWith(prefix) && !seen.has(k)) this.invalid.delete(k);
    return changed;
  }

  objects(): StoredObject[] {
    // Sorted by key so the pipeline's input order (and output bytes) do not depend on event order.
    this.cached ??= [...this.good.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.cached;
  }

  get(key: string): StoredObject | undefined {
    return this.good.get(key);
  }

  problems(): Problem[] {
    return [...this.invalid.values()].flat();
  }

  get size(): number {
    return this.good.size;
  }
}
