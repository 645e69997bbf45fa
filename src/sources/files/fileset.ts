// The files of file mode: which to read again and when a change counts. Their objects go into the
// store (src/store/store.ts) under each file's path, which keeps the last good version of each: a
// file that fails to parse (or cannot be read, or is over the size limit) keeps all of its previous
// objects in force; an object that fails validation keeps its previous version; problems are
// reported either way. Unchanged files are not read again (size, mtime, ctime, inode), so their
// objects keep their identity and later stages can memoize on it.
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
import { ObjectStore, type GroupUpdate } from "../../store/store.ts";
import { parseFileOffThread, unreadableLoad, type FileLoad } from "./parse.ts";
import { yamlFiles, type WalkedFile } from "./walk.ts";
import { defaultMaxFileBytes, readInputFile } from "./read.ts";

/** How long a file must stay emptied, shortened or deleted before its objects go. */
export const defaultSettleMs = 1000;

export interface FileSetOptions {
  maxFileBytes?: number;
  settleMs?: number;
  /** Milliseconds; a test passes its own clock. */
  now?: () => number;
  /** How a file's text becomes objects: off the main thread for `run` (the default); a one-shot command may use both cores instead. */
  parse?: (file: string, text: string) => Promise<FileLoad>;
}

/** What the file set remembers of a file; its objects are in the store, under the file's path. */
interface FileEntry {
  stamp: string;
  /** False when the file could not be read: it is tried again on every refresh. */
  readable: boolean;
  /** Its first problem's message, to tell an unreadable file that is still unreadable for the same reason. */
  firstProblem?: string;
  /** A change that would remove objects, waiting to settle: its stamp, when it was first seen, and its reading. */
  pending?: { stamp: string; since: number; load: FileLoad };
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

/** A file's reading as the store takes it: a file that does not parse (or cannot be read) keeps all of its objects. */
function groupUpdate(load: FileLoad): GroupUpdate {
  return { objects: load.objects, invalid: load.invalidKeys, complete: load.syntaxOk, problems: load.problems, warnings: load.warnings };
}

export class FileSet {
  private readonly files = new Map<string, FileEntry>();
  private readonly store = new ObjectStore();
  private walkProblems: Problem[] = [];
  private readonly maxFileBytes: number;
  private readonly settleMs: number;
  private readonly now: () => number;
  private readonly parse: (file: string, text: string) => Promise<FileLoad>;
  private first = true;

  constructor(
    private readonly paths: readonly string[],
    opts: FileSetOptions = {},
  ) {
    this.maxFileBytes = opts.maxFileBytes ?? defaultMaxFileBytes;
    this.settleMs = opts.settleMs ?? defaultSettleMs;
    this.now = opts.now ?? Date.now;
    this.parse = opts.parse ?? parseFileOffThread;
  }

  /** Re-reads what changed on disk. */
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
      if (now - entry.goneSince >= this.settleMs || this.store.groupSize(f) === 0) {
        this.files.delete(f);
        this.store.remove(f);
        changed.push(f);
      } else waiting = true;
    }
    for (const w of walk.files) {
      const prev = this.files.get(w.path);
      // Entries with a read problem are read again every time, so a fix (chmod) clears it.
      if (prev && prev.stamp === w.stamp && prev.readable) continue;
      const load = await this.load(w);
      // Still unreadable for the same reason: nothing changed, nothing to recompute.
      if (prev && !prev.readable && !load.readable && prev.stamp === w.stamp && prev.firstProblem === load.problems[0]?.message) continue;
      const update = groupUpdate(load);
      if (!initial && prev && this.store.wouldRemove(w.path, update)) {
        if (prev.pending?.stamp !== w.stamp) {
          prev.pending = { stamp: w.stamp, since: now, load };
          // Its problems show at once, its removals wait.
          this.store.setProblems(w.path, load.problems);
          changed.push(w.path);
        }
        if (now - prev.pending.since < this.settleMs) {
          waiting = true;
          continue;
        }
      }
      this.files.set(w.path, { stamp: w.stamp, readable: load.readable, firstProblem: load.problems[0]?.message });
      this.store.update(w.path, update);
      changed.push(w.path);
    }
    if (walkProblems.map((p) => p.message + p.file).join("\n") !== this.walkProblems.map((p) => p.message + p.file).join("\n")) {
      this.walkProblems = walkProblems;
      if (changed.length === 0) changed.push("(walk)");
    }
    return {
      changed,
      problems: [...this.walkProblems, ...this.store.problems()],
      warnings: this.store.warnings(),
      retryInMs: waiting ? this.settleMs : undefined,
    };
  }

  /** The objects in force, one per key (the first file in path order wins a duplicate). */
  objects(): StoredObject[] {
    return this.store.objects();
  }

  /** The number of files read. */
  get fileCount(): number {
    return this.files.size;
  }

  private async load(w: WalkedFile): Promise<FileLoad> {
    const read = readInputFile(w.path, this.maxFileBytes);
    return read.ok ? this.parse(w.path, read.text) : unreadableLoad(w.path, read.message);
  }
}
