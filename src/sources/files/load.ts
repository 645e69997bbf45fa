// Reads files and folders of YAML into validated objects (the `validate` and `render` commands,
// and the first load of `run`).
import type { Problem } from "../../validate/problems.ts";
import type { StoredObject } from "../../store/types.ts";
import { parseFileParallel, unreadableLoad, type FileLoad } from "./parse.ts";
import { yamlFiles } from "./walk.ts";
import { defaultMaxFileBytes, readInputFile } from "./read.ts";

export interface LoadResult {
  files: FileLoad[];
  objects: StoredObject[];
  problems: Problem[];
  warnings: Problem[];
}

export async function loadPaths(paths: readonly string[], maxFileBytes = defaultMaxFileBytes): Promise<LoadResult> {
  const walk = yamlFiles(paths);
  const problems: Problem[] = walk.errors.map((e) => ({ file: e.path, line: 0, message: e.message }));
  const files: FileLoad[] = [];
  for (const { path: f } of walk.files) {
    const read = readInputFile(f, maxFileBytes);
    if (!read.ok) {
      files.push(unreadableLoad(f, read.message));
      continue;
    }
    files.push(await parseFileParallel(f, read.text));
  }
  const merged = mergeLoads(files);
  return { files, objects: merged.objects, problems: [...problems, ...merged.problems], warnings: merged.warnings };
}

/** Combines per-file loads, reporting an object defined in two places (the first one wins). */
export function mergeLoads(files: readonly FileLoad[]): { objects: StoredObject[]; problems: Problem[]; warnings: Problem[] } {
  const byKey = new Map<string, StoredObject>();
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  for (const f of files) {
    problems.push(...f.problems);
    warnings.push(...f.warnings);
    for (const o of f.objects) {
      const prev = byKey.get(o.key);
      if (prev && prev.origin.source === "file" && o.origin.source === "file") {
        problems.push({
          file: o.origin.file,
          line: o.origin.line,
          object: { kind: o.object.kind, namespace: o.object.metadata.namespace, name: o.object.metadata.name },
          message: `defined again (first defined at ${prev.origin.file}:${prev.origin.line}); this copy is ignored`,
        });
        continue;
      }
      byKey.set(o.key, o);
    }
  }
  return { objects: [...byKey.values()], problems, warnings };
}
