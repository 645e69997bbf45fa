// Multi-document YAML with source positions, fast.
//
// Bulk parsing uses Bun's native YAML parser (about 15x faster than the `yaml` package on a 12 MB
// file). The `yaml` package is used only where precision matters and inputs are small: to report a
// syntax error with its line and a readable message, and to find the line of a field path when a
// validation problem is reported. Errors are rare, so that cost is paid only on the error path.
import { LineCounter, parseDocument, isMap, isSeq, isNode, type Node as YamlNode } from "yaml";

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

interface Chunk {
  text: string;
  line: number;
}

// Splits on document markers. A line beginning with `---` (followed by space or end of line) or
// `...` always ends a document in YAML, even inside block scalars, so this split is exact.
function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let start = 0;
  let startLine = 1;
  let line = 1;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    const eol = text.indexOf("\n", pos);
    const end = eol === -1 ? n : eol;
    if (text.charCodeAt(pos) === 45 /* - */ && text.startsWith("---", pos)) {
      const after = text.charCodeAt(pos + 3);
      if (pos + 3 >= end || after === 32 || after === 9 || after === 13) {
        chunks.push({ text: text.slice(start, pos), line: startLine });
        // Content after the marker on the same line (`--- {a: 1}`) belongs to the next document.
        start = pos + 3;
        startLine = line;
      }
    } else if (text.charCodeAt(pos) === 46 /* . */ && text.startsWith("...", pos) && text.slice(pos + 3, end).trim() === "") {
      chunks.push({ text: text.slice(start, pos), line: startLine });
      start = end;
      startLine = line + 1;
    }
    pos = end + 1;
    line++;
  }
  chunks.push({ text: text.slice(start), line: startLine });
  return chunks;
}

function isBlank(text: string): boolean {
  // Only whitespace and comments.
  return /^(\s*(#[^\n]*)?\n?)*\s*$/.test(text);
}

type Parsed = { ok: true; value: unknown } | { ok: false };

function parseChunk(text: string): Parsed {
  try {
    return { ok: true, value: Bun.YAML.parse(text) };
  } catch {
    return { ok: false };
  }
}

function assemble(file: string, chunks: readonly Chunk[], parsed: readonly Parsed[]): ParsedFile {
  const documents: YamlDocument[] = [];
  const errors: YamlSyntaxError[] = [];
  chunks.forEach((chunk, index) => {
    const p = parsed[index]!;
    if (!p.ok) {
      errors.push(describeSyntaxError(file, chunk));
      return;
    }
    documents.push({ file, index, line: chunk.line + leadingBlankLines(chunk.text), text: chunk.text, value: p.value });
  });
  return { documents, errors };
}

function contentChunks(text: string): Chunk[] {
  return splitDocuments(text).filter((c) => !isBlank(c.text));
}

export function parseYamlFile(file: string, text: string): ParsedFile {
  const chunks = contentChunks(text);
  return assemble(file, chunks, chunks.map((c) => parseChunk(c.text)));
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
 */
export async function parseYamlFileParallel(file: string, text: string): Promise<ParsedFile> {
  if (text.length < parallelThreshold) return parseYamlFile(file, text);
  const chunks = contentChunks(text);
  const half = chunks.length >> 1;
  const worker = new Worker(workerPath());
  try {
    const second = new Promise<Parsed[]>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<string>) => {
        const r = JSON.parse(e.data) as { values: unknown[]; failed: number[] };
        const failed = new Set(r.failed);
        resolve(r.values.map((value, i): Parsed => (failed.has(i) ? { ok: false } : { ok: true, value })));
      };
      worker.onerror = (e) => reject(new Error(`yaml worker: ${e.message}`));
    });
    worker.postMessage(chunks.slice(half).map((c) => c.text));
    const first = chunks.slice(0, half).map((c) => parseChunk(c.text));
    return assemble(file, chunks, [...first, ...(await second)]);
  } finally {
    worker.terminate();
  }
}

function leadingBlankLines(text: string): number {
  let n = 0;
  let pos = 0;
  for (;;) {
    const eol = text.indexOf("\n", pos);
    if (eol === -1) return n;
    const line = text.slice(pos, eol).trim();
    if (line !== "" && !line.startsWith("#")) return n;
    n++;
    pos = eol + 1;
  }
}

function describeSyntaxError(file: string, chunk: Chunk): YamlSyntaxError {
  const lc = new LineCounter();
  const doc = parseDocument(chunk.text, { lineCounter: lc, prettyErrors: false });
  const first = doc.errors[0];
  if (!first) return { file, line: chunk.line, message: "yaml: not valid YAML" };
  const pos = lc.linePos(first.pos[0]);
  // The `yaml` package's messages end with a code excerpt; keep the first sentence.
  const message = first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  return { file, line: chunk.line + pos.line - 1, message: `yaml: ${message}` };
}

/**
 * The 1-based line of `path` inside `doc`, or of its closest existing ancestor. Only called when a
 * problem is reported, so it re-parses the one document with the `yaml` package.
 */
export function lineOf(doc: Pick<YamlDocument, "text" | "line">, path: FieldPath): number {
  const lc = new LineCounter();
  const parsed = parseDocument(doc.text, { lineCounter: lc });
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
