// Each document's first line, and the line of a syntax error, must be the file's line, whichever
// marker ended the document before it: `---` (the next document may start on the marker's line) or
// `...` (the next document starts on the line after it).
import { describe, expect, test } from "bun:test";
import { parseYamlFile } from "../../src/yaml/documents.ts";

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

  test("a syntax error after `...` is reported on its own line", () => {
    const afterEnd = parseYamlFile("f.yaml", "a: 1\n...\nb: [1,\nc: 2\n");
    const afterMarker = parseYamlFile("f.yaml", "a: 1\n---\nb: [1,\nc: 2\n");
    expect(afterEnd.errors.length).toBe(1);
    // The same document in the same place: the same line, whichever marker came before it.
    expect(afterEnd.errors[0]!.line).toBe(afterMarker.errors[0]!.line);
    expect(afterEnd.errors[0]!.line).toBeLessThanOrEqual(5);
  });
});
