// Each document's first line, and the line of a syntax error, must be the file's line, whichever
// marker ended the document before it: `---` (the next document may start on the marker's line) or
// `...` (the next document starts on the line after it).
import { describe, expect, test } from "bun:test";
import { parseYamlFile } from "../../src/yaml/documents.ts";
import { contentChunks } from "../../src/yaml/split.ts";

describe("document lines", () => {
  test("after `---` and after `...`", () => {
    const text = ["a: 1", "...", "b: 2", "---", "c: 3", "--- {d: 4}", "...", "", "# e follows", "e: 5", "..."].join("\n") + "\n";
    const r = parseYamlFile("f.yaml", text);
    expect(r.errors).toEqual([]);
    expect(r.documents.map((d) => [d.value, d.line])).toEqual([
      [{ a: 1 }, 1],
      [{ b: 2 }, 3],
      [{ c: 3 }, 5],
      [{ d: 4 }, 6],
      [{ e: 5 }, 10],
    ]);
  });

  test("`...` followed by a comment ends the document too (`...#x` does not: no space before the #)", () => {
    expect(parseYamlFile("f.yaml", "a: 1\n... # end\na: 2\n").documents.map((d) => [d.value, d.line])).toEqual([
      [{ a: 1 }, 1],
      [{ a: 2 }, 3],
    ]);
    expect(parseYamlFile("f.yaml", "a: 1\n...\t# end\na: 2\n").documents.length).toBe(2);
    expect(parseYamlFile("f.yaml", "a: 1\n...#x\n").errors.length).toBe(1);
  });

  test("a syntax error after `...` is reported on its own line", () => {
    const afterEnd = parseYamlFile("f.yaml", "a: 1\n...\nb: [1,\nc: 2\n");
    const afterMarker = parseYamlFile("f.yaml", "a: 1\n---\nb: [1,\nc: 2\n");
    expect(afterEnd.errors.length).toBe(1);
    // The same document in the same place: the same line, whichever marker came before it.
    expect(afterEnd.errors[0]!.line).toBe(afterMarker.errors[0]!.line);
    expect(afterEnd.errors[0]!.line).toBeLessThanOrEqual(5);
  });
});

describe("a file split from one of its documents on", () => {
  test("gives that document and the ones after it, with the same texts and lines (the parse worker's part)", () => {
    const text = [
      "# leading comment",
      "a: 1",
      "--- {b: 2}",
      "c: 3",
      "...",
      "",
      "d: 4",
      "---",
      "# only a comment",
      "---\t",
      "e: |",
      "  --- not a marker when indented",
      "--- ",
      "f: 6",
      "...   ",
      "g: 7",
    ].join("\n");
    const chunks = contentChunks(text);
    expect(chunks.map((c) => c.text.trim())).toEqual([
      "# leading comment\na: 1",
      "{b: 2}\nc: 3",
      "d: 4",
      "e: |\n  --- not a marker when indented",
      "f: 6",
      "g: 7",
    ]);
    for (let k = 0; k < chunks.length; k++) {
      const tail = contentChunks(text.slice(chunks[k]!.offset), chunks[k]!.line);
      expect(tail.map((c) => [c.text, c.line])).toEqual(chunks.slice(k).map((c) => [c.text, c.line]));
    }
  });
});
