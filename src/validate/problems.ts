// Problems found in inputs, and how they are printed:
//   FILE:LINE: Kind namespace/name: field.path: message
import type { FieldPath } from "../yaml/documents.ts";

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Problem {
  file: string;
  line: number;
  object?: ObjectRef;
  /** Dotted path with [i] for list items, e.g. spec.rules[0].matches[1].path.value. */
  path?: string;
  message: string;
}

export function formatPath(path: FieldPath): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? p : `.${p}`;
  }
  return out;
}

export function formatObject(o: ObjectRef): string {
  return o.namespace ? `${o.kind} ${o.namespace}/${o.name}` : `${o.kind} ${o.name}`;
}

export function formatProblem(p: Problem): string {
  const parts = [`${p.file}:${p.line}`];
  if (p.object) parts.push(formatObject(p.object));
  if (p.path) parts.push(p.path);
  parts.push(p.message);
  return parts.join(": ");
}

/** Collects problems for one object; `at` takes a path relative to the object root. */
export interface Reporter {
  error(path: FieldPath, message: string): void;
  readonly count: number;
}
