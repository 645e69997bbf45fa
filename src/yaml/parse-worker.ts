// Worker side of parseYamlFileParallel: parses YAML documents and sends the results back as one JSON
// string (structured clone of large object graphs costs more than the parse it saves; a string is
// cheap to hand over). The same parseChunk as the main thread: both accept exactly the same input.
import { parseChunk } from "./chunk.ts";
import { nonFiniteReplacer } from "./transfer.ts";

declare const self: Worker;

self.onmessage = (e: MessageEvent<string[]>) => {
  self.postMessage(JSON.stringify(e.data.map(parseChunk), nonFiniteReplacer));
};
