// The YAML screen keeps block-mapping keys as hashes (src/yaml/screen.ts): every duplicate must
// still go the careful way, whatever the mapping's size, quoting or spacing, and an ordinary
// manifest must stay on the fast path.
import { describe, expect, test } from "bun:test";
import { screenDocument } from "../../src/yaml/screen.ts";
import { parseChunk } from "../../src/yaml/chunk.ts";

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `key${i}: ${i}`);

describe("YAML screen", () => {
  test("an ordinary manifest is fast", () => {
    const text = `apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  labels:\n    app: a\nspec:\n  ports:\n  - port: 80\n    name: http\n  - port: 443\n    name: https\n`;
    expect(screenDocument(text).verdict).toBe("fast");
  });

  test("duplicates are caught in small and large mappings, first and last key alike", () => {
    for (const n of [2, 15, 16, 17, 40, 500]) {
      const ks = keys(n);
      expect(screenDocument(ks.join("\n")).verdict).toBe("fast");
      for (const dup of [ks[0]!, ks[n - 1]!, ks[n >> 1]!]) {
        const text = [...ks, dup.replace(/: \d+$/, ": again")].join("\n");
        expect(screenDocument(text).verdict).toBe("careful");
        const r = parseChunk(text);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.message).toContain("duplicate key");
      }
    }
  });

  test("the same key quoted, spaced or nested under a list item is a duplicate", () => {
    for (const text of [
      `a: 1\n"a": 2\n`,
      `a: 1\n'a': 2\n`,
      `a: 1\na  : 2\n`,
      `spec:\n  rules:\n  - name: x\n    port: 1\n    name: y\n`,
      `m:\n  x: 1\n  y:\n    z: 1\n  x: 2\n`,
    ]) {
      expect(screenDocument(text).verdict).toBe("careful");
      const r = parseChunk(text);
      expect(r.ok).toBe(false);
    }
  });

  test("equal keys in different mappings are not duplicates", () => {
    const text = `a:\n  name: 1\nb:\n  name: 2\nlist:\n- name: 3\n- name: 4\n`;
    expect(screenDocument(text).verdict).toBe("fast");
    expect(parseChunk(text)).toEqual({ ok: true, value: { a: { name: 1 }, b: { name: 2 }, list: [{ name: 3 }, { name: 4 }] } });
  });

  test("keys that differ only slightly stay distinct", () => {
    const text = `ab: 1\nba: 2\na b: 3\n"a\\u0062": 4\nAB: 5\n`;
    // the escaped key goes the careful way (escapes are not decoded by the screen), which finds no duplicate here
    const r = parseChunk(text.replace(`"a\\u0062": 4\n`, ""));
    expect(screenDocument(text.replace(`"a\\u0062": 4\n`, "")).verdict).toBe("fast");
    expect(r.ok).toBe(true);
    expect(screenDocument(text).verdict).toBe("careful");
    expect(parseChunk(text).ok).toBe(false); // "a\u0062" is "ab": a real duplicate, found by the careful parser
  });

  test("a byte order mark, a flow-sequence key or a lone CR does not hide a duplicate", () => {
    for (const [text, message] of [
      ["\uFEFFa: 1\na: 2\n", 'duplicate key "a"'],
      ["[a]: 1\n[a]: 2\n", 'duplicate key "[a]"'],
      // Bun makes the key [a] the property "a": the same key as a.
      ["[a]: 1\na: 2\n", 'duplicate key "a"'],
      ["a: 1\ra: 2\n", "a carriage return without a line feed"],
    ] as const) {
      const r = parseChunk(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toContain(message);
    }
    expect(parseChunk("\uFEFFa: 1\nb: 2\n")).toEqual({ ok: true, value: { a: 1, b: 2 } });
    expect(parseChunk("a: 1\r\nb: 2\r\n")).toEqual({ ok: true, value: { a: 1, b: 2 } });
    expect(parseChunk("- [a, b]\n- [c]\n")).toEqual({ ok: true, value: [["a", "b"], ["c"]] });
  });
});
