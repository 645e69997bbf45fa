// Admission: the one check every input object gets on its way into the store, whichever source it
// came from. Pure: the source says where the object sits (a file's line for a field path, or the
// Kubernetes API), admission says whether it is valid and words its problems.
import { validateObject } from "../validate/object.ts";
import { formatPath, ObjectProblems, type Problem, type ProblemObject } from "../validate/problems.ts";
import { isObj } from "../yaml/value.ts";
import type { FieldPath } from "../yaml/documents.ts";
import { refKey, type KubeObject } from "./types.ts";
import "../register-kinds.ts";

/** Where a value sits in its source, for problems. */
export interface Placement {
  file: string;
  /** The line of the document itself. */
  line: number;
  /** The line of a field (a file locates it in the document's text; the API has no lines). */
  lineOf(path: FieldPath): number;
}

/** The placement of every object read from the Kubernetes API. */
export const apiPlacement: Placement = { file: "(kubernetes)", line: 0, lineOf: () => 0 };

export type Admission =
  /** Valid: the object with its namespace defaulted or dropped (validateObject): see storedObject(). */
  | { result: "ok"; object: KubeObject; warnings: Problem[] }
  /** Invalid: its problems, and its key when it has one (its last good version stays in force). */
  | { result: "invalid"; key?: string; problems: Problem[]; warnings: Problem[] }
  /** A kind edgegate does not serve: a warning, nothing stored. */
  | { result: "ignored"; warning: Problem };

function subjectOf(value: unknown): ProblemObject | undefined {
  if (!isObj(value) || typeof value.kind !== "string" || !isObj(value.metadata) || typeof value.metadata.name !== "string") return undefined;
  const ns = value.metadata.namespace;
  return { kind: value.kind, name: value.metadata.name, namespace: typeof ns === "string" ? ns : undefined };
}

/**
 * The store key of an object that failed validation, when its identity can still be told: a name
 * and namespace that are strings without "/" (a key is split on "/": parseRefKey). Read after
 * validateObject, which scopes the namespace, so the key is the one the object's valid version had.
 */
function keyOf(value: unknown): string | undefined {
  if (!isObj(value) || typeof value.kind !== "string" || !isObj(value.metadata)) return undefined;
  const { name, namespace = "" } = value.metadata;
  if (typeof name !== "string" || typeof namespace !== "string") return undefined;
  if (value.kind.includes("/") || name.includes("/") || namespace.includes("/")) return undefined;
  return refKey({ kind: value.kind, namespace, name });
}

export function admit(value: unknown, at: Placement): Admission {
  const r = new ObjectProblems();
  const w = new ObjectProblems();
  const verdict = validateObject(value, r, w);
  // Most objects: valid, no warning, nothing to word or locate.
  if (verdict.result === "ok" && w.count === 0) return { result: "ok", object: verdict.object, warnings: [] };
  // After validateObject, so a reference carries the namespace its kind's scope gives it.
  const ref = subjectOf(verdict.object ?? value);
  const located = (found: ObjectProblems): Problem[] =>
    found.found.map((f) => ({ file: at.file, line: at.lineOf(f.path), object: ref, path: formatPath(f.path) || undefined, message: f.message }));
  const warnings = located(w);
  if (verdict.result === "ok") return { result: "ok", object: verdict.object, warnings };
  if (verdict.result === "ignored") return { result: "ignored", warning: { file: at.file, line: at.line, object: ref, message: verdict.reason } };
  const problems = located(r);
  if (r.omitted) problems.push({ file: at.file, line: at.line, object: ref, message: r.omitted });
  return { result: "invalid", key: keyOf(verdict.object ?? value), problems, warnings };
}
