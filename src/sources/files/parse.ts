// One YAML file's text -> admitted objects and problems. Pure: no file system access here.
import { noFTL } from "bun:jsc";
import { parseTransferred } from "../../yaml/transfer.ts";
import { lineOf, parseYamlFile, parseYamlFileParallel, type ParsedFile, type YamlDocument } from "../../yaml/documents.ts";
import type { Problem } from "../../validate/problems.ts";
import { admit } from "../../store/admit.ts";
import { storedObject, type StoredObject } from "../../store/types.ts";

export interface FileLoad {
  file: string;
  objects: StoredObject[];
  problems: Problem[];
  /** Ignored kinds and other notes that do not fail validation. */
  warnings: Problem[];
  /** False when the file is not valid YAML: none of its objects can be trusted. */
  syntaxOk: boolean;
  /** Keys of objects that were found but are invalid (their last good version stays in force). */
  invalidKeys: string[];
  /** False when the file could not be read at all (permissions, size limit): it is tried again on every refresh. */
  readable: boolean;
}

/** A file that could not be read: its problem, no objects (the caller keeps its last good ones). */
export function unreadableLoad(file: string, message: string): FileLoad {
  return { file, objects: [], problems: [{ file, line: 0, message }], warnings: [], syntaxOk: false, invalidKeys: [], readable: false };
}

export function parseFile(file: string, text: string): FileLoad {
  return loadParsed(file, parseYamlFile(file, text));
}

/**
 * parseFile, with large files' YAML parsed on two cores (see parseYamlFileParallel). The first half's
 * documents are admitted while the worker still parses the second half: admission is most of the
 * load's time, and this thread would otherwise sit waiting.
 */
export async function parseFileParallel(file: string, text: string): Promise<FileLoad> {
  const early: { load?: FileLoad; documents: number } = { documents: 0 };
  const parsed = await parseYamlFileParallel(file, text, (first) => {
    early.load = loadParsed(file, { documents: first.documents, errors: [] });
    early.documents = first.documents.length;
  });
  if (!early.load) return loadParsed(file, parsed);
  // The same result as loadParsed: every syntax error first, then each document's problems in file order.
  const out = early.load;
  out.syntaxOk = parsed.errors.length === 0;
  out.problems = [...syntaxProblems(file, parsed), ...out.problems];
  for (const doc of parsed.documents.slice(early.documents)) loadDocument(doc, out);
  return out;
}

/** Files smaller than this are parsed in place: a worker's start-up costs more than they do. */
const offThreadBytes = 1024 * 1024;
/** The longest the main thread works at once while taking a worker's result over. */
const sliceMs = 20;

// From source the worker sits beside this file; in the compiled binary (scripts/build.ts makes it an
// entry point of its own) it is embedded under its path relative to src/.
function workerPath(): string {
  return import.meta.url.includes("/$bunfs/") ? "./sources/files/load-worker.ts" : new URL("./load-worker.ts", import.meta.url).href;
}

/**
 * parseFile for `run`: a large file is parsed and validated on a worker, and its objects are taken
 * over in slices of about 20 ms, so the event loop (and /livez) never waits long for ingestion.
 */
export async function parseFileOffThread(file: string, text: string): Promise<FileLoad> {
  if (text.length < offThreadBytes) return parseFile(file, text);
  const worker = new Worker(workerPath());
  try {
    const reply = await new Promise<{ meta: string; pieces: string[] }>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<{ meta: string; pieces: string[] }>) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(`load worker: ${e.message}`));
      worker.postMessage({ file, text });
    });
    const load = parseTransferred(reply.meta) as FileLoad;
    let started = performance.now();
    for (const piece of reply.pieces) {
      load.objects.push(parseTransferred(piece) as StoredObject);
      if (performance.now() - started > sliceMs) {
        await new Promise<void>((r) => setImmediate(r));
        started = performance.now();
      }
    }
    return load;
  } finally {
    worker.terminate();
  }
}

function loadParsed(file: string, parsed: ParsedFile): FileLoad {
  const out: FileLoad = {
    file,
    objects: [],
    problems: syntaxProblems(file, parsed),
    warnings: [],
    syntaxOk: parsed.errors.length === 0,
    invalidKeys: [],
    readable: true,
  };
  for (const doc of parsed.documents) loadDocument(doc, out);
  return out;
}

function syntaxProblems(file: string, parsed: ParsedFile): Problem[] {
  return parsed.errors.map((e) => ({ file, line: e.line, message: e.message }));
}

function loadDocument(doc: YamlDocument, out: FileLoad): void {
  if (doc.value === null || doc.value === undefined) return; // an empty document, e.g. a trailing ---
  const a = admit(doc.value, { file: doc.file, line: doc.line, lineOf: (path) => lineOf(doc, path) });
  if (a.result === "ignored") out.warnings.push(a.warning);
  else {
    out.warnings.push(...a.warnings);
    if (a.result === "ok") out.objects.push(storedObject(a.object, { source: "file", file: doc.file, line: doc.line, text: doc.text }));
    else {
      out.problems.push(...a.problems);
      if (a.key) out.invalidKeys.push(a.key);
    }
  }
}

// Once per document: kept below FTL (see src/validate/kinds/routes.ts).
noFTL(loadDocument);
