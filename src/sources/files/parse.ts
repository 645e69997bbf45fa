// One YAML file's text -> validated objects and problems. Pure: no file system access here.
import { parseTransferred } from "../../yaml/transfer.ts";
import { lineOf, parseYamlFile, parseYamlFileParallel, type ParsedFile, type YamlDocument } from "../../yaml/documents.ts";
import { formatPath, ObjectProblems, type ObjectRef, type Problem } from "../../validate/problems.ts";
import { validateObject } from "../../validate/object.ts";
import "../../kinds.ts";
import { isObj } from "../../validate/fields.ts";
import { objectKey, type StoredObject } from "../../store/types.ts";

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

function refOf(value: unknown): ObjectRef | undefined {
  if (!isObj(value) || typeof value.kind !== "string" || !isObj(value.metadata) || typeof value.metadata.name !== "string") return undefined;
  const ns = value.metadata.namespace;
  return { kind: value.kind, name: value.metadata.name, namespace: typeof ns === "string" ? ns : undefined };
}

/** A file that could not be read: its problem, no objects (the caller keeps its last good ones). */
export function unreadableLoad(file: string, message: string): FileLoad {
  return { file, objects: [], problems: [{ file, line: 0, message }], warnings: [], syntaxOk: false, invalidKeys: [], readable: false };
}

export function parseFile(file: string, text: string): FileLoad {
  return loadParsed(file, parseYamlFile(file, text));
}

/** parseFile, with large files' YAML parsed on two cores (see parseYamlFileParallel). */
export async function parseFileParallel(file: string, text: string): Promise<FileLoad> {
  return loadParsed(file, await parseYamlFileParallel(file, text));
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
  const out: FileLoad = { file, objects: [], problems: [], warnings: [], syntaxOk: parsed.errors.length === 0, invalidKeys: [], readable: true };
  for (const e of parsed.errors) out.problems.push({ file, line: e.line, message: e.message });
  for (const doc of parsed.documents) loadDocument(doc, out);
  return out;
}

function loadDocument(doc: YamlDocument, out: FileLoad): void {
  if (doc.value === null || doc.value === undefined) return; // an empty document, e.g. a trailing ---
  const r = new ObjectProblems();
  const verdict = validateObject(doc.value, r);
  const ref = refOf(verdict.object ?? doc.value);
  for (const f of r.found) {
    out.problems.push({ file: doc.file, line: lineOf(doc, f.path), object: ref, path: formatPath(f.path) || undefined, message: f.message });
  }
  if (r.omitted) out.problems.push({ file: doc.file, line: doc.line, object: ref, message: r.omitted });
  if (verdict.result === "ignored") {
    out.warnings.push({ file: doc.file, line: doc.line, object: ref, message: verdict.reason });
    return;
  }
  if (verdict.result === "invalid") {
    if (ref) out.invalidKeys.push(objectKey(ref.kind, ref.namespace ?? verdict.object?.metadata.namespace, ref.name));
    return;
  }
  const o = verdict.object;
  out.objects.push({
    key: objectKey(o.kind, o.metadata.namespace, o.metadata.name),
    object: o,
    origin: { source: "file", file: doc.file, line: doc.line, text: doc.text },
  });
}
