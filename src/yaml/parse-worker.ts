// Worker side of parseYamlFileParallel: parses YAML documents and sends the results back as one JSON
// string (structured clone of large object graphs costs more than the parse it saves; a string is
// cheap to hand over). The same parseChunk as the main thread: both accept exactly the same input.
import { parseChunk } from "./chunk.ts";
import { contentChunks } from "./split.ts";
import { nonFiniteReplacer } from "./transfer.ts";

declare const self: Worker;

/** The file from the worker's first document on, and the line that document starts on (see parseYamlFileParallel). */
export interface ParseRequest {
  tail: string;
  line: number;
}

self.onmessage = (e: MessageEvent<ParseRequest>) => {
  const results = contentChunks(e.data.tail, e.data.line).map((c) => parseChunk(c.text));
  // The replacer runs a function per value (twice the cost of the plain stringify at 5,000
  // documents): only when some value needs it.
  const tagged = results.some((r) => r.ok && r.nonFinite);
  self.postMessage(tagged ? JSON.stringify(results, nonFiniteReplacer) : JSON.stringify(results));
};
