// Small field checkers shared by every kind's validator. Each reports `path: message` through the
// Reporter and returns the value only when it has the right type, so validators read top-down.
import type { FieldPath } from "../yaml/documents.ts";
import type { Reporter } from "./problems.ts";
import { quoted } from "./problems.ts";
import { isObj, type Obj } from "../yaml/value.ts";

const describe = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "an object" : quoted(v));

export function obj(r: Reporter, parent: Obj, key: string, path: FieldPath, required = false): Obj | undefined {
  const v = parent[key];
  if (v === undefined || v === null) {
    if (required) r.error([...path, key], "is required");
    return undefined;
  }
  if (!isObj(v)) {
    r.error([...path, key], `must be an object (got ${describe(v)})`);
    return undefined;
  }
  return v;
}

export interface ListOpts {
  required?: boolean;
  min?: number;
  max?: number;
}

export function list(r: Reporter, parent: Obj, key: string, path: FieldPath, o: ListOpts = {}): unknown[] | undefined {
  const v = parent[key];
  if (v === undefined || v === null) {
    if (o.required) r.error([...path, key], "is required");
    return undefined;
  }
  if (!Array.isArray(v)) {
    r.error([...path, key], `must be a list (got ${describe(v)})`);
    return undefined;
  }
  if (o.min !== undefined && v.length < o.min) r.error([...path, key], `must have at least ${o.min} item${o.min === 1 ? "" : "s"}`);
  if (o.max !== undefined && v.length > o.max) r.error([...path, key], `must have at most ${o.max} items (got ${v.length})`);
  return v;
}

/** Items of a list that are objects; other items are reported. */
export function objItems(r: Reporter, items: unknown[] | undefined, path: FieldPath): Array<[Obj, FieldPath]> {
  const out: Array<[Obj, FieldPath]> = [];
  (items ?? []).forEach((it, i) => {
    if (isObj(it)) out.push([it, [...path, i]]);
    else r.error([...path, i], `must be an object (got ${describe(it)})`);
  });
  return out;
}

export interface StrOpts {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** What the pattern means, for the message: "a valid hostname". */
  patternName?: string;
  oneOf?: readonly string[];
}

export function str(r: Reporter, parent: Obj, key: string, path: FieldPath, o: StrOpts = {}): string | undefined {
  const v = parent[key];
  if (v === undefined || v === null) {
    if (o.required) r.error([...path, key], "is required");
    return undefined;
  }
  if (typeof v !== "string") {
    r.error([...path, key], `must be a string (got ${describe(v)})`);
    return undefined;
  }
  // The path is built only when there is something to report: validation runs on every object.
  if (!strOk(v, o)) {
    checkStr(r, v, [...path, key], o);
    return undefined;
  }
  return v;
}

function strOk(v: string, o: StrOpts): boolean {
  if (o.oneOf && !o.oneOf.includes(v)) return false;
  if (o.min !== undefined && v.length < o.min) return false;
  if (o.max !== undefined && v.length > o.max) return false;
  return !o.pattern || o.pattern.test(v);
}

export function checkStr(r: Reporter, v: string, p: FieldPath, o: StrOpts): boolean {
  if (o.oneOf && !o.oneOf.includes(v)) {
    r.error(p, `must be one of ${o.oneOf.join(", ")} (got ${quoted(v)})`);
    return false;
  }
  if (o.min !== undefined && v.length < o.min) {
    r.error(p, o.min === 1 ? "must not be empty" : `must be at least ${o.min} characters`);
    return false;
  }
  if (o.max !== undefined && v.length > o.max) {
    r.error(p, `must be at most ${o.max} characters (got ${v.length})`);
    return false;
  }
  if (o.pattern && !o.pattern.test(v)) {
    r.error(p, `${quoted(v)} is not ${o.patternName ?? `matching ${o.pattern.source}`}`);
    return false;
  }
  return true;
}

export interface IntOpts {
  required?: boolean;
  min?: number;
  max?: number;
}

export function int(r: Reporter, parent: Obj, key: string, path: FieldPath, o: IntOpts = {}): number | undefined {
  const v = parent[key];
  if (v === undefined || v === null) {
    if (o.required) r.error([...path, key], "is required");
    return undefined;
  }
  if (typeof v === "number" && Number.isInteger(v) && (o.min === undefined || v >= o.min) && (o.max === undefined || v <= o.max)) return v;
  const p = [...path, key];
  if (typeof v !== "number" || !Number.isInteger(v)) {
    r.error(p, `must be an integer (got ${describe(v)})`);
    return undefined;
  }
  if ((o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) {
    const range = o.max === undefined ? `at least ${o.min}` : o.min === undefined ? `at most ${o.max}` : `between ${o.min} and ${o.max}`;
    r.error(p, `must be ${range} (got ${v})`);
    return undefined;
  }
  return v;
}

export function bool(r: Reporter, parent: Obj, key: string, path: FieldPath): boolean | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") {
    r.error([...path, key], `must be true or false (got ${describe(v)})`);
    return undefined;
  }
  return v;
}

/** Reports fields not in `allowed`, like `kubectl --validate=strict`: typos must not pass silently. */
export function known(r: Reporter, o: Obj, path: FieldPath, allowed: readonly string[]): void {
  for (const k in o) {
    if (allowed.includes(k)) continue;
    const hint = closest(k, allowed);
    r.error([...path, k], `unknown field${hint ? ` (did you mean "${hint}"?)` : ""}`);
  }
}

export function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
