// The objects in force, whichever source they came from, and the input problems. A source hands
// over its objects in groups (a file's documents; one object of the Kubernetes API) already
// admitted (admit.ts); the store decides, the same way for both:
//   - last good: an invalid object keeps its previous version in force; a group that could not be
//     read as a whole (a file that does not parse) keeps all of its previous objects;
//   - identity: an object whose source text or resourceVersion is unchanged keeps its previous
//     StoredObject, so later stages can memoize on identity;
//   - order: groups in name order (file paths; Kubernetes store keys), objects in their group's
//     order, so the pipeline's input (and its output bytes) do not depend on event order;
//   - duplicates: an object defined by two groups is taken from the first and reported;
//   - problems: each group's own, then those of its ignored duplicates, in group order.
import type { Problem } from "../validate/problems.ts";
import type { Origin, StoredObject } from "./types.ts";

/** What a source read of one group. */
export interface GroupUpdate {
  /** The valid objects, in the group's order. */
  objects: readonly StoredObject[];
  /** Keys of objects found but invalid: their previous version in this group stays in force. */
  invalid: readonly string[];
  /** False when nothing read can be trusted (a file that does not parse or cannot be read): every previous object stays. */
  complete: boolean;
  problems: readonly Problem[];
  warnings: readonly Problem[];
}

interface Group {
  /** The objects in force from this group: the last good version of each. */
  good: Map<string, StoredObject>;
  problems: readonly Problem[];
  warnings: readonly Problem[];
}

/** The objects in force across groups; patched in place when a group changes its objects but not its keys. */
interface Merged {
  objects: StoredObject[];
  byKey: Map<string, StoredObject>;
  /** Where each key's object sits in `objects`, and which group it was taken from. */
  index: Map<string, number>;
  owner: Map<string, string>;
  /** Per group: the objects it defines again, ignored. */
  duplicates: Map<string, Problem[]>;
  /** Keys defined by more than one group (their duplicate problems quote the first one's line). */
  contested: Set<string>;
}

/** Whether `next` is the same version of the object as `prev`, so `prev` (and its identity) stays. */
function sameVersion(prev: Origin, next: Origin): boolean {
  if (prev.source === "file" && next.source === "file") return prev.text === next.text;
  if (prev.source === "kubernetes" && next.source === "kubernetes") return prev.resourceVersion === next.resourceVersion;
  return false;
}

export class ObjectStore {
  private readonly groups = new Map<string, Group>();
  private names: string[] | undefined;
  private merged: Merged | undefined;
  private listed: { problems: Problem[]; warnings: Problem[] } | undefined;

  /** Takes a group's new reading; returns whether the objects in force or the problems changed. */
  update(name: string, u: GroupUpdate): boolean {
    const prev = this.groups.get(name);
    const duplicates: Problem[] = [];
    const good = u.complete ? this.lastGood(prev?.good, u, duplicates) : (prev?.good ?? new Map<string, StoredObject>());
    const problems = duplicates.length > 0 ? [...u.problems, ...duplicates] : u.problems;
    if (!prev) this.names = undefined;
    else if (prev.good === good && sameProblems(prev.problems, problems) && sameProblems(prev.warnings, u.warnings)) return false;
    this.groups.set(name, { good, problems, warnings: u.warnings });
    // The usual change (an object edited, one group of many): patch, rather than merge every group again.
    if (prev?.good !== good && !(prev && this.patch(name, prev.good, good))) this.merged = undefined;
    this.listed = undefined;
    return true;
  }

  /** Puts a group's new objects in place when it has the same keys as before and owns each of them; false if it cannot. */
  private patch(name: string, prev: ReadonlyMap<string, StoredObject>, good: ReadonlyMap<string, StoredObject>): boolean {
    const m = this.merged;
    if (!m || prev.size !== good.size) return false;
    for (const k of good.keys()) if (!prev.has(k) || m.owner.get(k) !== name || m.contested.has(k)) return false;
    // A new array: callers may still hold the previous one (and compare against it).
    const objects = m.objects.slice();
    for (const [k, o] of good) {
      objects[m.index.get(k)!] = o;
      m.byKey.set(k, o);
    }
    m.objects = objects;
    return true;
  }

  /** Replaces only the problems a group shows (its objects stay as they are). */
  setProblems(name: string, problems: readonly Problem[]): void {
    const g = this.groups.get(name);
    if (!g || sameProblems(g.problems, problems)) return;
    this.groups.set(name, { ...g, problems });
    this.listed = undefined;
  }

  /** Forgets a group and its objects; returns whether it was there. */
  remove(name: string): boolean {
    if (!this.groups.delete(name)) return false;
    this.names = undefined;
    this.merged = undefined;
    this.listed = undefined;
    return true;
  }

  has(name: string): boolean {
    return this.groups.has(name);
  }

  /** Group names, in order. */
  groupNames(): readonly string[] {
    this.names ??= [...this.groups.keys()].sort();
    return this.names;
  }

  /** Whether taking `u` would drop an object that the group has in force (a source may want to wait before it does). */
  wouldRemove(name: string, u: GroupUpdate): boolean {
    const prev = this.groups.get(name);
    if (!prev || !u.complete) return false;
    const kept = new Set([...u.objects.map((o) => o.key), ...u.invalid]);
    for (const k of prev.good.keys()) if (!kept.has(k)) return true;
    return false;
  }

  /** The number of objects a group has in force. */
  groupSize(name: string): number {
    return this.groups.get(name)?.good.size ?? 0;
  }

  /** Whether a group currently reports problems (its newest reading was not fully good). */
  hasProblems(name: string): boolean {
    return (this.groups.get(name)?.problems.length ?? 0) > 0;
  }

  /** The objects in force, one per key, in order. */
  objects(): StoredObject[] {
    return this.merge().objects;
  }

  /** The object in force under a store key. */
  get(key: string): StoredObject | undefined {
    return this.merge().byKey.get(key);
  }

  problems(): Problem[] {
    return this.list().problems;
  }

  warnings(): Problem[] {
    return this.list().warnings;
  }

  get size(): number {
    return this.merge().objects.length;
  }

  private lastGood(prev: ReadonlyMap<string, StoredObject> | undefined, u: GroupUpdate, duplicates: Problem[]): Map<string, StoredObject> {
    const good = new Map<string, StoredObject>();
    for (const o of u.objects) {
      const first = good.get(o.key);
      if (first) {
        duplicates.push(duplicate(o, first));
        continue;
      }
      const old = prev?.get(o.key);
      good.set(o.key, old && sameVersion(old.origin, o.origin) ? old : o);
    }
    for (const k of u.invalid) {
      const old = prev?.get(k);
      if (old && !good.has(k)) good.set(k, old);
    }
    // Nothing changed: the previous map itself, so update() can tell.
    return prev && sameEntries(prev, good) ? (prev as Map<string, StoredObject>) : good;
  }

  private merge(): Merged {
    if (this.merged) return this.merged;
    const m: Merged = { objects: [], byKey: new Map(), index: new Map(), owner: new Map(), duplicates: new Map(), contested: new Set() };
    for (const name of this.groupNames()) {
      for (const o of this.groups.get(name)!.good.values()) {
        const first = m.byKey.get(o.key);
        if (first) {
          const dups = m.duplicates.get(name) ?? [];
          dups.push(duplicate(o, first));
          m.duplicates.set(name, dups);
          m.contested.add(o.key);
          continue;
        }
        m.byKey.set(o.key, o);
        m.index.set(o.key, m.objects.length);
        m.owner.set(o.key, name);
        m.objects.push(o);
      }
    }
    this.merged = m;
    return m;
  }

  private list(): { problems: Problem[]; warnings: Problem[] } {
    if (this.listed) return this.listed;
    const { duplicates } = this.merge();
    const l = { problems: [] as Problem[], warnings: [] as Problem[] };
    for (const name of this.groupNames()) {
      const g = this.groups.get(name)!;
      if (g.problems.length > 0) l.problems.push(...g.problems);
      const dups = duplicates.get(name);
      if (dups) l.problems.push(...dups);
      if (g.warnings.length > 0) l.warnings.push(...g.warnings);
    }
    this.listed = l;
    return l;
  }
}

function duplicate(o: StoredObject, first: StoredObject): Problem {
  const at = (x: StoredObject): { file: string; line: number } =>
    x.origin.source === "file" ? { file: x.origin.file, line: x.origin.line } : { file: "(kubernetes)", line: 0 };
  const firstAt = at(first);
  return {
    ...at(o),
    object: { kind: o.object.kind, namespace: o.object.metadata.namespace, name: o.object.metadata.name },
    message: `defined again (first defined at ${firstAt.file}:${firstAt.line}); this copy is ignored`,
  };
}

function sameProblems(a: readonly Problem[], b: readonly Problem[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((p, i) => {
    const q = b[i]!;
    return p.file === q.file && p.line === q.line && p.path === q.path && p.message === q.message;
  });
}

/** Same keys in the same order, each with the same StoredObject. */
function sameEntries(a: ReadonlyMap<string, StoredObject>, b: ReadonlyMap<string, StoredObject>): boolean {
  if (a.size !== b.size) return false;
  const bs = b.entries();
  for (const [k, v] of a) {
    const [bk, bv] = bs.next().value!;
    if (k !== bk || v !== bv) return false;
  }
  return true;
}
