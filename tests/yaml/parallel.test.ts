// parseYamlFileParallel's worker decides its half of the documents with the same parseChunk as the
// main thread (counting, then the screen where counting cannot decide). Every kind of verdict in the
// worker's half must give exactly parseYamlFile's result, refusals' messages included.
import { describe, expect, test } from "bun:test";
import { parseYamlFile, parseYamlFileParallel } from "../../src/yaml/documents.ts";
import { generate } from "../../bench/generate.ts";

const deepBlock = Array.from({ length: 70 }, (_, d) => `${"  ".repeat(d)}k${d}:`).join("\n") + " 1\n";
const deepFlow = `a: ${"[".repeat(70)}${"]".repeat(70)}\n`;
// One document of each verdict: fast, careful and refused (duplicate key), careful and accepted
// (aliases), too deep in block and in flow style.
const verdicts = ["a: 1\nb: 2\n", "a: 1\nb: 2\na: 3\n", "x: &v 1\ny: *v\n", deepBlock, deepFlow].join("---\n");

describe("parseYamlFileParallel with every kind of verdict in the worker's half", () => {
  test("every screen verdict in the worker's half gives parseYamlFile's documents and errors", async () => {
    const text = generate({ routes: 2500, hostnames: 100, services: 50 }) + "---\n" + verdicts;
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    const serial = parseYamlFile("big.yaml", text);
    const parallel = await parseYamlFileParallel("big.yaml", text);
    expect(parallel.errors).toEqual(serial.errors);
    expect(parallel.errors.map((e) => e.message.replace(/\(line \d+/, "(line L"))).toEqual([
      'yaml: duplicate key "a": the keys of a mapping must be unique (line L, column 1)',
      "yaml: nested deeper than 64 levels (line L, column 129)",
      "yaml: nested deeper than 64 levels (line L, column 68)",
    ]);
    expect(JSON.stringify(parallel.documents)).toBe(JSON.stringify(serial.documents));
    expect(parallel.documents.at(-1)!.value).toEqual({ x: 1, y: 1 });
  });
});

describe("parseYamlFileParallel with fewer than two documents", () => {
  test("a large file of comments only, and one large document, parse as parseYamlFile does", async () => {
    const comments = "# a comment line, long enough to make the file large\n".repeat(60_000);
    const oneDocument = `items:\n${"  - a list item that makes one document large\n".repeat(60_000)}`;
    for (const text of [comments, oneDocument]) {
      expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
      const parallel = await parseYamlFileParallel("big.yaml", text);
      expect(JSON.stringify(parallel)).toBe(JSON.stringify(parseYamlFile("big.yaml", text)));
    }
  });
});
