// The files of file mode and their last good objects. A file that fails to parse keeps all of its
// previous objects in force; an object that fails validation keeps its previous version; problems
// are reported either way. Unchanged files are not read again (size and mtime), so their objects
// keep their identity and later stages can memoize on it.
import { readFileSync, statSync } from "node:fs";
import type { Problem } from "../../validate/problems.ts";
import type { StoredObject } from "../../store/types.ts";
import { parseFile, type FileLoad } from "./parse.ts";
import { yamlFiles } from "./walk.ts";
import { mergeLoads } from "./load.ts";

interface FileEntry {
  stamp: string;
  load: FileLoad;
  /** The objects in force from this file (the last good version of each). */
  good: Map<string, StoredObject>;
}

export interface RefreshResult {
  /** Files read again or removed; empty when nothing changed. */
  changed: string[];
  problems: Problem[];
  warnings: Problem[];
}

export class FileSet {
  private readonly files = new Map<string, FileEntry>();
  private walkProblems: Problem[] = [];
  private merged: ReturnType<typeof mergeLoads> | undefined;

  constructor(private readonly paths: readonly string[]) {}

  /** Re-reads what changed on disk. */
  refresh(): RefreshResult {
    const walk = yamlFiles(this.paths);
    this.walkProblems = walk.errors.map((e) => ({ file: e.path, line: 0, message: e.message }));
    const changed: string[] = [];
    const present = new Set(walk.files);
    for (const f of [...this.files.keys()]) {
      if (!present.has(f)) {
        this.files.delete(f);
        changed.push(f);
      }
    }
    for (const f of walk.files) {
      let stamp: string;
      try {
        const st = statSync(f);
        stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
      } catch {
        continue; // removed between the walk and the stat: the next event catches it
      }
      const prev = this.files.get(f);
      if (prev && prev.stamp === stamp) continue;
      let text: string;
      try {
        text = readFileSync(f, "utf8");
      } catch (e) {
        const load: FileLoad = { file: f, objects: [], problems: [{ file: f, line: 0, message: (e as Error).message }], warnings: [], syntaxOk: false, invalidKeys: [] };
        this.files.set(f, { stamp, load, good: prev?.good ?? new Map() });
        changed.push(f);
        continue;
      }
      const load = parseFile(f, text);
      this.files.set(f, { stamp, load, good: lastGood(prev?.good, load) });
      changed.push(f);
    }
    // Merged once per change: objects() and current() are read after every refresh.
    if (changed.length > 0 || !this.merged) this.merged = mergeLoads([...this.files.values()].map((e) => ({ ...e.load, objects: [...e.good.values()] })));
    const { problems, warnings } = this.current();
    return { changed, problems, warnings };
  }

  /** The objects in force, one per key (the first file in path order wins a duplicate). */
  objects(): StoredObject[] {
    return this.merged?.objects ?? [];
  }

  private current(): { problems: Problem[]; warnings: Problem[] } {
    return { problems: [...this.walkProblems, ...(this.merged?.problems ?? [])], warnings: this.merged?.warnings ?? [] };
  }
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
