// Worker side of parseYamlFileParallel: parses YAML documents and sends the values back as one JSON
// string (structured clone of large object graphs costs more than the parse it saves; a string is
// cheap to hand over). A document that fails is sent as null with its index in `failed`.
declare const self: Worker;

self.onmessage = (e: MessageEvent<string[]>) => {
  const values: unknown[] = [];
  const failed: number[] = [];
  e.data.forEach((text, i) => {
    try {
      values.push(Bun.YAML.parse(text));
    } catch {
      values.push(null);
      failed.push(i);
    }
  });
  self.postMessage(JSON.stringify({ values, failed }));
};
