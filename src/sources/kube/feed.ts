// The objects read from the API server, fed into the store (src/store/store.ts), which validates
// and keeps them exactly like files: an invalid object keeps its last good version in force and is
// reported; a deleted one goes. Each object is a group of its own, named by its store key.
// What is particular to the API is done here: objects are trimmed on the way in (managedFields,
// last-applied annotations: large, unused, and the last-applied copy of a Secret would hold its
// data a second time), and a change of status alone (often our own write coming back through the
// watch) is not a change for the pipeline, only for the status writer's live view.
import { refKey, storedObject, type KubeObject, type StoredObject } from "../../store/types.ts";
import { ObjectStore, type GroupUpdate } from "../../store/store.ts";
import { admit, apiPlacement } from "../../store/admit.ts";
import type { Problem } from "../../validate/problems.ts";
import { isObj, type Obj } from "../../yaml/value.ts";
import type { LiveObject } from "../../kube/status-writer/writer.ts";

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
  return refKey({ kind: o.kind, namespace: typeof m.namespace === "string" ? m.namespace : "", name: m.name });
}

/**
 * What translation reads of an object: everything but status and resourceVersion. Our own status
 * writes come back through the watch; they must not trigger a recompute on every node.
 */
function fingerprint(o: Obj): number | bigint {
  const m = isObj(o.metadata) ? { ...o.metadata, resourceVersion: undefined } : undefined;
  return Bun.hash(JSON.stringify({ ...o, status: undefined, metadata: m }));
}

export class KubeFeed {
  private readonly store = new ObjectStore();
  private readonly prints = new Map<string, number | bigint>();
  private readonly live = new Map<string, LiveObject>();

  /** Adds or replaces one object; returns whether the objects in force or the problems changed. */
  upsert(raw: Obj): boolean {
    const o = trim(raw);
    const key = keyOf(o);
    if (!key) return false;
    const rv = isObj(o.metadata) && typeof o.metadata.resourceVersion === "string" ? o.metadata.resourceVersion : "";
    const settled = this.store.has(key) && !this.store.hasProblems(key);
    // Same resourceVersion (a relist): nothing to read again.
    if (settled && this.live.get(key)?.resourceVersion === rv) return false;
    const print = fingerprint(o);
    if (settled && this.prints.get(key) === print) {
      // Only status changed: the status writer compares against the newest; the pipeline's copy
      // (validated in this shape before) stays, identity and all.
      this.live.set(key, { object: o as KubeObject, resourceVersion: rv });
      return false;
    }
    const a = admit(o, apiPlacement);
    let update: GroupUpdate;
    if (a.result === "ok") {
      const stored = storedObject(a.object, { source: "kubernetes", resourceVersion: rv });
      update = { objects: [stored], invalid: [], complete: true, problems: [], warnings: a.warnings };
      this.prints.set(key, print);
      this.live.set(key, { object: a.object, resourceVersion: rv });
    } else if (a.result === "invalid") update = { objects: [], invalid: [key], complete: true, problems: a.problems, warnings: a.warnings };
    // A kind edgegate does not serve is not watched; should one arrive, it is a problem of the input.
    else update = { objects: [], invalid: [key], complete: true, problems: [a.warning], warnings: [] };
    return this.store.update(key, update);
  }

  remove(raw: Obj): boolean {
    const key = keyOf(raw);
    return key ? this.forget(key) : false;
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
    for (const k of this.store.groupNamesWithPrefix(prefix)) if (!seen.has(k) && this.forget(k)) changed = true;
    return changed;
  }

  private forget(key: string): boolean {
    this.prints.delete(key);
    this.live.delete(key);
    return this.store.remove(key);
  }

  /** The objects in force, in store key order. */
  objects(): StoredObject[] {
    return this.store.objects();
  }

  /** The object under a store key as the watch last showed it (status included), if it is in force. */
  liveObject(key: string): LiveObject | undefined {
    return this.live.get(key);
  }

  problems(): Problem[] {
    return this.store.problems();
  }

  get size(): number {
    return this.store.size;
  }
}
