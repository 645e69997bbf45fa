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

/**
 * The objects in force across groups, in group order. Kept up to date one group at a time: a
 * group's objects sit together, so a change replaces one run of `objects` (found by binary search
 * in `from`) instead of merging every group again. Only a change that involves a key defined by two
 * groups merges all of them again (duplicates are rare and need the first definition found).
 */
interface Merged {
  /** Changed in place (a copy per change costs more than the change at 100,000 objects). */
  objects: StoredObject[];
  /** What objects() hands out: a copy made once per change, since callers may still hold (and compare against) the previous one. */
  snapshot: StoredObject[] | undefined;
  /** The group each object in `objects` was taken from (sorted, since groups are). */
  from: string[];
  byKey: Map<string, StoredObject>;
  owner: Map<string, string>;
  /** Per group: the objects it defines again, ignored. */
  duplicates: Map<string, Problem[]>;
  /** Keys defined by more than one group (their duplicate problems quote the first one's line). */
  contested: Set<string>;
}

/**
 * Whether `next` is the same version of the object as `prev`, so `prev` (and its identity) stays. A
 * document that moved in its file is a new version: problems located on it must name its new line.
 */
function sameVersion(prev: Origin, next: Origin): boolean {
  if (prev.source === "file" && next.source === "file") return prev.text === next.text && prev.line === next.line && prev.file === next.file;
  if (prev.source === "kubernetes" && next.source === "kubernetes") return prev.resourceVersion === next.resourceVersion;
  return false;
}

const none: ReadonlyMap<string, StoredObject> = new Map();

export class ObjectStore {
  private readonly groups = new Map<string, Group>();
  /** Group names in order, kept sorted by binary insertion (a sort per change costs 100 ms at 100,000 objects). */
  private readonly names: string[] = [];
  /** Names of the groups that show problems or warnings of their own, in order. */
  private readonly noisy: string[] = [];
  private merged: Merged | undefined;
  private listed: { problems: Problem[]; warnings: Problem[] } | undefined;

  /** Takes a group's new reading; returns whether the objects in force or the problems changed. */
  update(name: string, u: GroupUpdate): boolean {
    const prev = this.groups.get(name);
    const duplicates: Problem[] = [];
    const good = u.complete ? this.lastGood(prev?.good, u, duplicates) : (prev?.good ?? new Map<string, StoredObject>());
    const problems = duplicates.length > 0 ? [...u.problems, ...duplicates] : u.problems;
    // Warnings are about the objects in force: a reading that cannot be trusted keeps the previous ones with them.
    const warnings = u.complete ? u.warnings : (prev?.warnings ?? u.warnings);
    if (prev && prev.good === good && sameProblems(prev.problems, problems) && sameProblems(prev.warnings, warnings)) return false;
    if (!prev) insertSorted(this.names, name);
    this.setGroup(name, { good, problems, warnings });
    if (prev?.good !== good) this.replaceRun(name, prev?.good ?? none, good);
    return true;
  }

  /** Replaces only the problems a group shows (its objects stay as they are). */
  setProblems(name: string, problems: readonly Problem[]): void {
    const g = this.groups.get(name);
    if (!g || sameProblems(g.problems, problems)) return;
    this.setGroup(name, { ...g, problems });
  }

  /** Forgets a group and its objects; returns whether it was there. */
  remove(name: string): boolean {
    const g = this.groups.get(name);
    if (!g) return false;
    this.groups.delete(name);
    removeSorted(this.names, name);
    removeSorted(this.noisy, name);
    this.replaceRun(name, g.good, none);
    this.listed = undefined;
    return true;
  }

  has(name: string): boolean {
    return this.groups.has(name);
  }

  /** Group names, in order. */
  groupNames(): readonly string[] {
    return this.names;
  }

  /** The names of the groups that start with `prefix`, in order (binary search: no scan of all groups). */
  groupNamesWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (let i = lowerBound(this.names, prefix); i < this.names.length && this.names[i]!.startsWith(prefix); i++) out.push(this.names[i]!);
    return out;
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
    const m = this.merge();
    m.snapshot ??= m.objects.slice();
    return m.snapshot;
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

  private setGroup(name: string, g: Group): void {
    this.groups.set(name, g);
    if (g.problems.length > 0 || g.warnings.length > 0) insertSorted(this.noisy, name);
    else removeSorted(this.noisy, name);
    this.listed = undefined;
  }

  /** Puts a group's new objects in place of its previous ones in the merged list, or drops the merge when a duplicate is involved. */
  private replaceRun(name: string, prev: ReadonlyMap<string, StoredObject>, good: ReadonlyMap<string, StoredObject>): void {
    const m = this.merged;
    if (!m) return;
    for (const k of prev.keys()) if (m.contested.has(k)) return this.dropMerge();
    for (const k of good.keys()) if (m.contested.has(k) || (m.owner.has(k) && m.owner.get(k) !== name)) return this.dropMerge();
    const lo = lowerBound(m.from, name);
    let hi = lo;
    while (hi < m.from.length && m.from[hi] === name) hi++;
    // Same keys in the same order: the objects in place (the usual edit).
    if (hi - lo === good.size && sameKeysInOrder(m.objects, lo, good)) {
      let i = lo;
      for (const [k, o] of good) {
        m.objects[i++] = o;
        m.byKey.set(k, o);
      }
    } else {
      for (const k of prev.keys()) {
        m.byKey.delete(k);
        m.owner.delete(k);
      }
      for (const [k, o] of good) {
        m.byKey.set(k, o);
        m.owner.set(k, name);
      }
      const run = [...good.values()];
      spliceRun(m.objects, lo, hi - lo, run);
      spliceRun(
        m.from,
        lo,
        hi - lo,
        run.map(() => name),
      );
    }
    m.snapshot = undefined;
  }

  private dropMerge(): void {
    this.merged = undefined;
    this.listed = undefined;
  }

  private merge(): Merged {
    if (this.merged) return this.merged;
    const m: Merged = { objects: [], snapshot: undefined, from: [], byKey: new Map(), owner: new Map(), duplicates: new Map(), contested: new Set() };
    for (const name of this.names) {
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
        m.owner.set(o.key, name);
        m.objects.push(o);
        m.from.push(name);
      }
    }
    this.merged = m;
    return m;
  }

  /** Problems in group order: only the groups that have any are visited. */
  private list(): { problems: Problem[]; warnings: Problem[] } {
    if (this.listed) return this.listed;
    const { duplicates } = this.merge();
    const names = duplicates.size === 0 ? this.noisy : [...new Set([...this.noisy, ...duplicates.keys()])].sort();
    const l = { problems: [] as Problem[], warnings: [] as Problem[] };
    for (const name of names) {
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

/** The first index whose name is not before `name` (names sorted by code unit, as Array.sort does). */
function lowerBound(names: readonly string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid]! < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(names: string[], name: string): void {
  const i = lowerBound(names, name);
  if (names[i] !== name) names.splice(i, 0, name);
}

function removeSorted(names: string[], name: string): void {
  const i = lowerBound(names, name);
  if (names[i] === name) names.splice(i, 1);
}

/** Array.splice, without spreading a long run into arguments (engines cap their number). */
function spliceRun<T>(a: T[], at: number, remove: number, run: readonly T[]): void {
  if (run.length <= 1000) {
    a.splice(at, remove, ...run);
    return;
  }
  const tail = a.splice(at);
  for (const x of run) a.push(x);
  for (let i = remove; i < tail.length; i++) a.push(tail[i]!);
}

function sameKeysInOrder(objects: readonly StoredObject[], at: number, good: ReadonlyMap<string, StoredObject>): boolean {
  let i = at;
  for (const k of good.keys()) if (objects[i++]!.key !== k) return false;
  return true;
}

function duplicate(o: StoredObject, first: StoredObject): Problem {
  const at = (x: StoredObject): { file: string; line: number } =>
    x.origin.source === "file" ? { file: x.origin.file, line: x.origin.line } : { file: "(kubernetes)", line: 0 };
  const firstAt = at(first);
  return {
    ...at(o),
    object: { kind: o.object.kind, namespace: o.object.metadata.namespace, name: o.object.metadata.name },
    message: `defined again (first defined at ${firstAt.file}:${firstAt.line}); this copy is ignored`,
    duplicate: true,
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
