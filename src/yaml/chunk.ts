// One YAML document's text -> its value, or the reason and position it was refused. Shared by the
// main thread and the parse worker, so both accept and refuse exactly the same documents.
import { noFTL } from "bun:jsc";
import type * as Yaml from "yaml";
import type { Node as YamlNode, Document, LineCounter } from "yaml";
import { maxNesting, screenDocument } from "./screen.ts";
import { colonBound } from "./colons.ts";
import { clip } from "./clip.ts";

/** Position relative to the chunk's first line (1-based line and column). */
export interface ChunkError {
  line: number;
  column: number;
  message: string;
}

/** nonFinite: the value holds an Infinity or NaN (YAML's .inf, .nan), which plain JSON cannot carry (transfer.ts). */
export type ChunkResult = { ok: true; value: unknown; nonFinite?: true } | { ok: false; error: ChunkError };

// Anchors and aliases: a document may use 100 aliases at most (the `yaml` package's own default),
// which stops "billion laughs" documents before they expand.
const maxAliasCount = 100;

// The `yaml` package decides only documents the screen could not clear and those that fail, so it
// is loaded on first need: the parse worker, started for every large file, then starts without it
// (about 20 ms of CPU and 30 ms of wall time each start).
let yamlPackage: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (yamlPackage ??= require("yaml") as typeof Yaml);

// Two keys are the same when they become the same property name in the value Bun builds: a scalar
// by its text (1 and "1"), a collection as JavaScript prints it ([a] and a).
const propertyName = (k: unknown): string => (yaml().isScalar(k) ? String(k.value) : yaml().isCollection(k) ? String(k.toJSON()) : String(k));
const sameKey = (a: unknown, b: unknown): boolean => propertyName(a) === propertyName(b);

/**
 * Most documents are decided by counting (colons.ts): Bun parses them first, and when their keys
 * match their colons and they nest no deeper than the limit, that is the answer. Any other document
 * is decided by the screen (screenedParse), with Bun's parse reused where it was already made.
 */
export function parseChunk(text: string): ChunkResult {
  const cr = loneCarriageReturn(text);
  if (cr) return { ok: false, error: cr };
  const colons = colonBound(text);
  if (colons < 0) return screenedParse(text);
  const parsed = bunParse(text);
  if (parsed !== threw && parsed.depth <= maxNesting && parsed.keys === colons) return parsed.result;
  return screenedParse(text, parsed);
}

/**
 * A document decided as the screen says (screen.ts): too deep, careful (the `yaml` package decides
 * first) or fast. `parsed`: Bun's parse of it, when already made.
 */
export function screenedParse(text: string, parsed?: BunParse): ChunkResult {
  const screen = screenDocument(text);
  if (screen.verdict === "too-deep")
    return { ok: false, error: { line: screen.line, column: screen.column, message: `nested deeper than ${maxNesting} levels` } };
  if (screen.verdict === "careful") {
    const refused = carefulCheck(text);
    if (refused) return { ok: false, error: refused };
  }
  parsed ??= bunParse(text);
  if (parsed === threw) return { ok: false, error: describeSyntaxError(text) };
  if (parsed.depth > maxNesting) return { ok: false, error: deepestNode(text) };
  return parsed.result;
}

/**
 * A CR not followed by LF (an old Mac line ending) ends a line for Bun's parser but not for the
 * `yaml` package or the screen, so the document would mean two things (`a: 1\ra: 2` is one key to
 * the screen and a duplicate to Bun): refused, with where it is.
 */
function loneCarriageReturn(text: string): ChunkError | undefined {
  for (let i = text.indexOf("\r"); i >= 0; i = text.indexOf("\r", i + 1)) {
    if (text.charCodeAt(i + 1) === 10) continue;
    let line = 1;
    let lineStart = 0;
    for (let j = text.indexOf("\n"); j >= 0 && j < i; j = text.indexOf("\n", j + 1)) {
      line++;
      lineStart = j + 1;
    }
    return { line, column: i - lineStart + 1, message: "a carriage return without a line feed: use LF or CRLF line endings" };
  }
  return undefined;
}

const threw = "threw";
/** Bun's parse of a document: its value, how deep it nests and how many keys its mappings hold. */
type BunParse = { result: ChunkResult & { ok: true }; depth: number; keys: number } | typeof threw;

function bunParse(text: string): BunParse {
  let value: unknown;
  try {
    value = Bun.YAML.parse(text);
  } catch {
    // A syntax error, or nesting deep enough to exhaust the stack (Bun throws a RangeError).
    return threw;
  }
  sawNonFinite = false;
  keysSeen = 0;
  const depth = depthOf(value);
  return { result: sawNonFinite ? { ok: true, value, nonFinite: true } : { ok: true, value }, depth, keys: keysSeen };
}

/** The `yaml` package's verdict on a document the screen could not clear: duplicate keys, aliases. */
function carefulCheck(text: string): ChunkError | undefined {
  const lc = new (yaml().LineCounter)();
  let doc: Document;
  try {
    doc = yaml().parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: sameKey });
  } catch (e) {
    return { line: 1, column: 1, message: clip((e as Error).message) };
  }
  if (doc.errors.length > 0) return errorOf(text, doc, lc);
  try {
    doc.toJS({ maxAliasCount });
  } catch (e) {
    const m = clip((e as Error).message);
    return { line: 1, column: 1, message: m.includes("alias count") ? `${m} (at most ${maxAliasCount} aliases per document)` : m };
  }
  return undefined;
}

function errorOf(text: string, doc: Document, lc: LineCounter): ChunkError {
  const first = doc.errors[0]!;
  const pos = lc.linePos(first.pos[0]);
  if (first.code === "DUPLICATE_KEY") {
    const key = /^[^:\n]*/
      .exec(text.slice(first.pos[0], first.pos[0] + 200))![0]
      .trim()
      .replace(/^["']|["']$/g, "");
    return { line: pos.line, column: pos.col, message: `duplicate key ${clip(JSON.stringify(key))}: the keys of a mapping must be unique` };
  }
  // The `yaml` package's messages end with " at line L, column C:" and a code excerpt.
  const reason = first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  return { line: pos.line, column: pos.col, message: clip(reason, 200) };
}

export function describeSyntaxError(text: string): ChunkError {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: sameKey });
  if (doc.errors.length > 0) return errorOf(text, doc, lc);
  return { line: 1, column: 1, message: "not valid YAML" };
}

/** Set by depthOf when it meets an Infinity or NaN: the walk visits every value anyway. */
let sawNonFinite = false;
/** The keys of the mappings depthOf walked (complete when it returned at most maxNesting). */
let keysSeen = 0;

const nonFinite = (v: number): boolean => !Number.isFinite(v);

/**
 * Depth of nested lists and objects, counted no further than maxNesting + 1. Recursion is bounded
 * by that same limit (never by the value), and allocates nothing per node, unlike an explicit stack
 * of [value, depth] pairs, which cost as much as the screen at 10,000 routes. Notes non-finite
 * numbers on the way (sawNonFinite) and counts keys (keysSeen).
 */
function depthOf(value: unknown, d = 0): number {
  if (typeof value !== "object" || value === null) {
    if (typeof value === "number" && nonFinite(value)) sawNonFinite = true;
    return d;
  }
  if (d + 1 > maxNesting) return d + 1;
  let max = d + 1;
  if (Array.isArray(value)) {
    for (const child of value) {
      if (typeof child !== "object" || child === null) {
        if (typeof child === "number" && nonFinite(child)) sawNonFinite = true;
        continue;
      }
      const c = depthOf(child, d + 1);
      if (c > max && (max = c) > maxNesting) return max;
    }
    return max;
  }
  const o = value as Record<string, unknown>;
  for (const k in o) {
    keysSeen++;
    const child = o[k];
    if (typeof child !== "object" || child === null) {
      if (typeof child === "number" && nonFinite(child)) sawNonFinite = true;
      continue;
    }
    const c = depthOf(child, d + 1);
    if (c > max && (max = c) > maxNesting) return max;
  }
  return max;
}

/** Where a document nests too deep (only called when it does): the first node past the limit. */
function deepestNode(text: string): ChunkError {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc });
  const stack: Array<[unknown, number]> = [[doc.contents, 1]];
  while (stack.length > 0) {
    const [node, d] = stack.pop()!;
    if (!yaml().isMap(node) && !yaml().isSeq(node)) continue;
    if (d > maxNesting) {
      const pos = lc.linePos((node as YamlNode).range?.[0] ?? 0);
      return { line: pos.line, column: pos.col, message: `nested deeper than ${maxNesting} levels` };
    }
    for (const it of node.items) stack.push([yaml().isPair(it) ? it.value : it, d + 1]);
  }
  return { line: 1, column: 1, message: `nested deeper than ${maxNesting} levels` };
}

// Once per document: kept below FTL (see screen.ts).
noFTL(depthOf);
