// Worker side of parseFileOffThread: parses and validates one large file away from the main thread
// (where /livez must keep answering) and hands back each object as its own JSON string, so the main
// thread can rebuild them in short slices.
import { parseFile } from "./parse.ts";
import { nonFiniteReplacer } from "../../yaml/transfer.ts";

declare const self: Worker;

self.onmessage = (e: MessageEvent<{ file: string; text: string }>) => {
  const load = parseFile(e.data.file, e.data.text);
  const pieces = load.objects.map((o) => JSON.stringify(o, nonFiniteReplacer));
  self.postMessage({ meta: JSON.stringify({ ...load, objects: [] }, nonFiniteReplacer), pieces });
};
