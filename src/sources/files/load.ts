// Reads files and folders of YAML once into the objects in force (the `validate` and `render`
// commands and `run --once`): the same file set and store as `run`, read once, with large files
// parsed on both cores (nothing else needs the event loop meanwhile).
import type { Problem } from "../../validate/problems.ts";
import type { StoredObject } from "../../store/types.ts";
import { parseFileParallel } from "./parse.ts";
import { FileSet } from "./fileset.ts";
import { defaultMaxFileBytes } from "./read.ts";

export interface LoadResult {
  /** How many files were read. */
  files: number;
  objects: StoredObject[];
  problems: Problem[];
  warnings: Problem[];
}

export async function loadPaths(paths: readonly string[], maxFileBytes = defaultMaxFileBytes): Promise<LoadResult> {
  const set = new FileSet(paths, { maxFileBytes, parse: parseFileParallel });
  const r = await set.refresh();
  return { files: set.fileCount, objects: set.objects(), problems: r.problems, warnings: r.warnings };
}
