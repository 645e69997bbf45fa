// Translation problems name an object and a field path; people need a file and a line.
import { parseRefKey, type StoredObject } from "../store/types.ts";
import type { TranslateProblem } from "../object-status/types.ts";
import { formatPath, type Problem } from "../validate/problems.ts";
import { lineOf } from "../yaml/documents.ts";

/** A translation problem pointed at its object's origin: the file and the line of the field. */
export function locate(p: TranslateProblem, byKey: ReadonlyMap<string, StoredObject>): Problem {
  const so = byKey.get(p.key);
  const { kind, namespace, name } = so?.ref ?? parseRefKey(p.key);
  const object = { kind, namespace: namespace || undefined, name };
  const path = formatPath(p.path) || undefined;
  if (so?.origin.source !== "file") return { file: "(kubernetes)", line: 0, object, path, message: p.message };
  return { file: so.origin.file, line: lineOf(so.origin, p.path), object, path, message: p.message };
}
