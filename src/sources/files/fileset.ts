// The files of file mode and their last good objects. A file that fails to parse (or cannot be
// read, or is over the size limit) keeps all of its previous objects in force; an object that fails
// validation keeps its previous version; problems are reported either way. Unchanged files are not
// read again (size, mtime, ctime, inode), so their objects keep their identity and later stages can
// memoize on it.
//
// Files settle before they count. Editors and tools write in steps (`helm template > file`
// truncates first; `rsync --inplace` rewrites in place; a rename-and-recreate leaves a gap), and a
// step in between must not publish a configuration without the file's objects. So a change that
// would remove objects (a file emptied, cut short, deleted) takes effect only once the file has
// stayed that way for the settle window; a change that only adds or updates objects takes effect
// at once. A folder that cannot be seen at all (a watched root moved away, a permission lost) is a
// problem and everything read from below it stays in force until it can be seen again.
import type { Problem } from "../../validate/problems.ts";
import type { StoredObject } from "../../store/types.ts";
import { parseFileOffThread, unreadableLoad, type FileLoad } from "./parse.ts";
import { yamlFiles, type WalkedFile } from "./walk.ts";
import { mergeLoads } from "./load.ts";
import { defaultMaxFileBytes, readInputFile } from "./read.ts";

/** How long a file must stay emptied, shortened or deleted before its objects go. */
export const defaultSettleMs = 1000;

export interface FileSetOptions {
  maxFileBytes?: number;
  settleMs?: number;
  /** Milliseconds; a test passes its own clock. */
  now?: () => number;
}

interface FileEntry {
  stamp: string;
  load: FileLoad;
  /** The objects in force from this file (the last good version of each). */
  good: Map<string, StoredObject>;
  /** A change that would remove objects, waiting to settle: its stamp, when it was first seen, and its problems (shown meanwhile). */
  pending?: { stamp: string; since: number; problems: Problem[] };
  /** Gone from the walk since then (deleted or renamed away). */
  goneSince?: number;
}

export interface RefreshResult {
  /** Files read again or removed; empty when nothing changed. */
  changed: string[];
  problems: Problem[];
  warnings: Problem[];
  /** When set, a change is waiting to settle: refresh again after this many milliseconds. */
  retryInMs?: number;
}

export class FileSet {
  private readonly files = new Map<string, FileEntry>();
  private walkProblems: Problem[] = [];
  private merged: ReturnType<typeof mergeLoads> | undefined;
  private readonly maxFileBytes: number;
  private readonly settleMs: number;
  private readonly now: () => number;
  private first = true;

  constructor(
    private readonly paths: readonly string[],
    opts: FileSetOptions = {},
  ) {
    this.maxFileBytes = opts.maxFileBytes ?? defaultMaxFileBytes;
    this.settleMs = opts.settleMs ?? defaultSettleMs;
    this.now = opts.now ?? Date.now;
  }

  /** Re-reads what changed on disk. Large files are parsed off the main thread (parseFileOffThread). */
  async refresh(): Promise<RefreshResult> {
    const now = this.now();
    // The first read has nothing to keep: it takes the files as they are.
    const initial = this.first;
    this.first = false;
    const walk = yamlFiles(this.paths);
    const walkProblems: Problem[] = walk.errors.map((e) => ({ file: e.path, line: 0, message: e.message }));
    const changed: string[] = [];
    let waiting = false;
    const present = new Map(walk.files.map((f) => [f.path, f]));
    const unseenDirs = walk.unseen.map((u) => (u.endsWith("/") ? u : `${u}/`));
    const unseen = (f: string): boolean => walk.unseen.includes(f) || unseenDirs.some((d) => f.startsWith(d));
    for (const [f, entry] of this.files) {
      if (present.has(f) || unseen(f)) {
        entry.goneSince = undefined;
        continue;
      }
      entry.goneSince ??= now;
      if (now - entry.goneSince >= this.settleMs || entry.good.size === 0) {
        this.files.delete(f);
        changed.push(f);
      } else waiting = true;
    }
    for (const w of walk.files) {
      const prev = this.files.get(w.path);
      // Entries with a read problem are read again every time, so a fix (chmod) clears it.
      if (prev && prev.stamp === w.stamp && prev.load.readable) continue;
      const next = await this.load(w, prev);
      // Still unreadable for the same reason: nothing changed, nothing to recompute.
      if (prev && !prev.load.readable && !next.load.readable && prev.stamp === w.stamp && prev.load.problems[0]?.message === next.load.problems[0]?.message)
        continue;
      if (!initial && prev && removes(prev.good, next.good)) {
        if (prev.pending?.stamp !== w.stamp) {
          prev.pending = { stamp: w.stamp, since: now, problems: next.load.problems };
          changed.push(w.path); // its problems show at once, its removals wait
        }
        if (now - prev.pending.since < this.settleMs) {
          waiting = true;
          continue;
        }
      }
      this.files.set(w.path, next);
      changed.push(w.path);
    }
    if (walkProblems.map((p) => p.message + p.file).join("\n") !== this.walkProblems.map((p) => p.message + p.file).join("\n")) {
      this.walkProblems = walkProblems;
      if (changed.length === 0) changed.push("(walk)");
    }
    // Merged once per change: objects() and current() are read after every refresh.
    if (changed.length > 0 || !this.merged)
      this.merged = mergeLoads(
        [...this.files.values()].map((e) => ({ ...e.load, problems: e.pending?.problems ?? e.load.problems, objects: [...e.good.values()] })),
      );
    return {
      changed,
      problems: [...this.walkProblems, ...this.merged.problems],
      warnings: this.merged.warnings,
      retryInMs: waiting ? this.settleMs : undefined,
    };
  }

  /** The objects in force, one per key (the first file in path order wins a duplicate). */
  objects(): StoredObject[] {
    return this.merged?.objects ?? [];
  }

  private async load(w: WalkedFile, prev: FileEntry | undefined): Promise<FileEntry> {
    const read = readInputFile(w.path, this.maxFileBytes);
    if (!read.ok) {
      const load: FileLoad = unreadableLoad(w.path, read.message);
      return { stamp: w.stamp, load, good: prev?.good ?? new Map() };
    }
    const load = await parseFileOffThread(w.path, read.text);
    return { stamp: w.stamp, load, good: lastGood(prev?.good, load) };
  }
}

/** Whether `next` drops an object that `prev` had in force. */
function removes(prev: ReadonlyMap<string, StoredObject>, next: ReadonlyMap<string, StoredObject>): boolean {
  for (const k of prev.keys()) if (!next.has(k)) return true;
  return false;
}

function lastGood(prev: Map<string, StoredObject> | undefined, load: FileLoad): Map<string, StoredObject> {
  if (!load.syntaxOk) return prev ?? new Map();
  const good = new Map<string, StoredObject>();
  for (const o of load.objects) {
    // Same text as before: keep the old object so its identity (and memoized work) survives.
    const old = prev?.get(o.key);
    good.set(o.key, old && old.origin.source === "file" && o.origin.source === "file" && old.origin.text === o.origin.text ? old : o);
  }
  for (const k of load.invalidKeys) {
    const old = prev?.get(k);
    if (old && !good.has(k)) good.set(k, old);
  }
  return good;
}
