// Multi-document YAML with source positions, fast.
//
// Bulk parsing uses Bun's native YAML parser (about 20x faster than the `yaml` package). Documents
// Bun would get wrong (duplicate keys, aliases) go to the `yaml` package, and too-deep nesting is
// refused: counting keys against colons (colons.ts) clears most documents, and a linear screen
// (screen.ts) decides the rest; chunk.ts holds that decision, shared with the parse worker. The
// `yaml` package also gives syntax errors their line, column and reason, and finds the line of a
// field path when a problem is reported: one parse per document with problems, kept for all of
// that document's problems (see lineOf).
import { LineCounter, parseDocument, isMap, isSeq, isNode, type Node as YamlNode, type Document } from "yaml";
import { parseChunk, type ChunkResult } from "./chunk.ts";
import { contentChunks, type Chunk } from "./split.ts";
import { parseTransferred } from "./transfer.ts";
import type { ParseRequest } from "./parse-worker.ts";

export type FieldPath = ReadonlyArray<string | number>;

export interface YamlDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  /** 1-based line of the document's first content line. */
  line: number;
  /** The document's text (without its `---` marker line). */
  text: string;
  value: unknown;
}

export interface YamlSyntaxError {
  file: string;
  line: number;
  message: string;
}

export interface ParsedFile {
  documents: YamlDocument[];
  errors: YamlSyntaxError[];
}

/** `chunks[i]` is the file's document number `first + i`; `parsed[i]` its result. */
function assemble(file: string, chunks: readonly Chunk[], parsed: readonly ChunkResult[], first = 0): ParsedFile {
  const documents: YamlDocument[] = [];
  const errors: YamlSyntaxError[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    const p = parsed[i]!;
    if (!p.ok) {
      const e = p.error;
      errors.push({ file, line: chunk.line + e.line - 1, message: `yaml: ${e.message} (line ${chunk.line + e.line - 1}, column ${e.column})` });
      continue;
    }
    documents.push({ file, index: first + i, line: chunk.line + leadingBlankLines(chunk.text), text: chunk.text, value: p.value });
  }
  return { documents, errors };
}

/** Binary and UTF-16 files hold NUL characters, which YAML text never does: say so plainly. */
function binaryError(file: string, text: string): ParsedFile | undefined {
  const nul = text.indexOf("\u0000");
  if (nul < 0) return undefined;
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < nul; i = text.indexOf("\n", i + 1)) line++;
  const utf16 = text.startsWith("\uFFFD\uFFFD") || (text.charCodeAt(1) === 0 && text.charCodeAt(3) === 0);
  return {
    documents: [],
    errors: [{ file, line, message: `yaml: contains a NUL character (${utf16 ? "UTF-16 text?" : "a binary file?"}); input must be UTF-8 YAML` }],
  };
}

export function parseYamlFile(file: string, text: string): ParsedFile {
  const binary = binaryError(file, text);
  if (binary) return binary;
  const chunks = contentChunks(text);
  return assemble(
    file,
    chunks,
    chunks.map((c) => parseChunk(c.text)),
  );
}

const parallelThreshold = 2 * 1024 * 1024;

// From source the worker sits beside this file; in the compiled binary (scripts/build.ts makes it an
// entry point of its own) it is embedded under its path relative to src/.
function workerPath(): string {
  return import.meta.url.includes("/$bunfs/") ? "./yaml/parse-worker.ts" : new URL("./parse-worker.ts", import.meta.url).href;
}

/**
 * parseYamlFile on two cores for large files: a worker parses the second half of the documents
 * while this thread parses the first. Same result, a third less wall time on a 12 MB file.
 * `meanwhile` gets the first half as soon as it is parsed, for work on it (admission) that would
 * otherwise wait for the worker; its documents are a prefix of the result's.
 */
export async function parseYamlFileParallel(file: string, text: string, meanwhile?: (first: ParsedFile) => void): Promise<ParsedFile> {
  if (text.length < parallelThreshold || text.includes("\u0000")) return parseYamlFile(file, text);
  const chunks = contentChunks(text);
  // Nothing to share between two threads (a large file of comments, or one huge document).
  if (chunks.length < 2)
    return assemble(
      file,
      chunks,
      chunks.map((c) => parseChunk(c.text)),
    );
  const half = chunks.length >> 1;
  const worker = new Worker(workerPath());
  try {
    const second = new Promise<ChunkResult[]>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<string>) => resolve(parseTransferred(e.data) as ChunkResult[]);
      worker.onerror = (e) => reject(new Error(`yaml worker: ${e.message}`));
    });
    // The worker gets one string, the file from its first document on, and splits it the same way:
    // handing over thousands of strings costs the main thread 5-15 ms, one costs about 1 ms.
    const rest = chunks.slice(half);
    worker.postMessage({ tail: text.slice(rest[0]!.offset), line: rest[0]!.line } satisfies ParseRequest);
    const head = chunks.slice(0, half);
    const first = assemble(
      file,
      head,
      head.map((c) => parseChunk(c.text)),
    );
    meanwhile?.(first);
    // Each half is assembled once: the first half's documents are not built a second time.
    const results = await second;
    if (results.length !== rest.length) throw new Error(`yaml worker: ${results.length} documents, expected ${rest.length}`);
    const last = assemble(file, rest, results, half);
    return { documents: [...first.documents, ...last.documents], errors: [...first.errors, ...last.errors] };
  } finally {
    worker.terminate();
  }
}

/** Lines before the first with content (not blank, not a comment); a last line without a newline does not count. */
function leadingBlankLines(text: string): number {
  let n = 0;
  let pos = 0;
  for (;;) {
    const eol = text.indexOf("\n", pos);
    if (eol === -1) return n;
    // The line's first character that is not whitespace (what trim() would keep first), read in place.
    let i = pos;
    while (i < eol && isTrimmed(text.charCodeAt(i))) i++;
    if (i < eol && text.charCodeAt(i) !== 35 /* # */) return n;
    n++;
    pos = eol + 1;
  }
}

/** Whitespace String.prototype.trim removes, within one line: space, tab, CR, VT, FF, NBSP and the Unicode spaces. */
function isTrimmed(c: number): boolean {
  if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) return true;
  return c > 127 && String.fromCharCode(c).trim() === "";
}

// One `yaml` parse per document that has problems, shared by all of them (a route with 2,000 bad
// rules is parsed once, not 2,000 times). Weak: it goes when the document or object does.
const located = new WeakMap<object, { parsed: Document; lc: LineCounter }>();

/**
 * The 1-based line of `path` inside `doc`, or of its closest existing ancestor. Only called when a
 * problem is reported; the document is parsed with the `yaml` package once, on its first problem.
 */
export function lineOf(doc: Pick<YamlDocument, "text" | "line">, path: FieldPath): number {
  let entry = located.get(doc);
  if (!entry) {
    const lc = new LineCounter();
    entry = { parsed: parseDocument(doc.text, { lineCounter: lc }), lc };
    located.set(doc, entry);
  }
  const { parsed, lc } = entry;
  let node: unknown = parsed.contents;
  let offset = isNode(node) && node.range ? node.range[0] : 0;
  for (const key of path) {
    let next: unknown;
    if (isMap(node) && typeof key === "string") {
      const pair = node.items.find((p) => (isNode(p.key) ? (p.key as YamlNode & { value?: unknown }).value : p.key) === key);
      if (pair) {
        // Point at the key: that is where a person looks for the field.
        next = pair.value;
        const k = pair.key;
        if (isNode(k) && k.range) offset = k.range[0];
      }
    } else if (isSeq(node) && typeof key === "number") {
      next = node.items[key];
      if (isNode(next) && next.range) offset = next.range[0];
    }
    if (next === undefined) break;
    node = next;
  }
  // linePos counts from the chunk's first line; doc.line is its first content line.
  return doc.line - 1 + lc.linePos(offset).line - leadingBlankLines(doc.text);
}
