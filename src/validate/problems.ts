// Problems found in inputs, and how they are printed:
//   FILE:LINE: Kind namespace/name: field.path: message
import type { FieldPath } from "../yaml/documents.ts";
import { clip } from "../yaml/clip.ts";

/** The object a problem is about, as people read it (no namespace for a cluster-scoped kind). */
export interface ProblemObject {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Problem {
  file: string;
  line: number;
  object?: ProblemObject;
  /** Dotted path with [i] for list items, e.g. spec.rules[0].matches[1].path.value. */
  path?: string;
  message: string;
  /** A second definition of an object, ignored: the first one is served (src/store/store.ts). */
  duplicate?: true;
}

export function formatPath(path: FieldPath): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? p : `.${p}`;
  }
  return out;
}

export function formatObject(o: ProblemObject): string {
  // Names come from the input: a 10,000-character name must not make a 10,000-character line.
  return o.namespace ? `${clip(o.kind)} ${clip(o.namespace)}/${clip(o.name)}` : `${clip(o.kind)} ${clip(o.name)}`;
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

/** A value as messages quote it: JSON, at most about 100 characters of it. */
export function quoted(v: unknown): string {
  // JSON would print .inf and .nan as null.
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return clip(JSON.stringify(v) ?? String(v));
}

/** Problems reported per object; the rest are counted, so a 2,000-error route costs 100 lines. */
export const maxProblemsPerObject = 100;

/** A Reporter that keeps the first maxProblemsPerObject problems and counts all of them. */
export class ObjectProblems implements Reporter {
  readonly found: Array<{ path: FieldPath; message: string }> = [];
  private total = 0;
  error(path: FieldPath, message: string): void {
    if (this.total++ < maxProblemsPerObject) this.found.push({ path, message });
  }
  get count(): number {
    return this.total;
  }
  /** The note that closes a capped list, if problems were left out. */
  get omitted(): string | undefined {
    const more = this.total - this.found.length;
    return more > 0 ? `${more} more problem${more === 1 ? "" : "s"} in this object not shown (the first ${maxProblemsPerObject} are)` : undefined;
  }
}
