// Most documents skip the YAML screen: Bun parses them, and their keys are checked against their
// colons (src/yaml/colons.ts). That shortcut must decide duplicates, aliases and nesting exactly as
// the screen does (screenedParse): the same value, or the same refusal at the same place. Checked on
// adversarial cases and on thousands of random documents built to hold duplicates, colons in values
// and comments, flow sequences, block scalars, quoted and numeric keys. (One difference is known and
// left: syntax Bun accepts and only the `yaml` package refuses, such as a plain value starting with
// `,`, which the screen hands to that package only when something else in the document needs it.)
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import * as screen from "../../src/yaml/screen.ts";
import { parseChunk, screenedParse } from "../../src/yaml/chunk.ts";
import { colonBound } from "../../src/yaml/colons.ts";
import { rng } from "../helpers/rng.ts";

const spies: Array<{ mockRestore(): void }> = [];
afterEach(() => {
  for (const s of spies.splice(0)) s.mockRestore();
});
const screenCalls = (): { readonly calls: number } => {
  const s = spyOn(screen, "screenDocument");
  spies.push(s);
  return {
    get calls() {
      return s.mock.calls.length;
    },
  };
};

describe("colonBound", () => {
  test("counts every colon; -1 where a key may be written without one", () => {
    expect(colonBound("a: 1\nb:\n  c: 'x:y' # d: e\n")).toBe(5);
    expect(colonBound("a: 1\n")).toBe(1);
    for (const c of ["? a\n: 1\n", "a: {b: 1}\n", "a: &x 1\nb: *x\n", "a: !!str 1\n"]) expect(colonBound(c)).toBe(-1);
  });
});

describe("the counting shortcut", () => {
  test("an ordinary manifest is decided without the screen", () => {
    const seen = screenCalls();
    const r = parseChunk("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports:\n  - port: 80\n    name: http\n");
    expect(r.ok).toBe(true);
    expect(seen.calls).toBe(0);
  });

  test("a duplicate goes on to the screen and is refused where the screen refuses it", () => {
    const seen = screenCalls();
    for (const text of [
      "a: 1\na: 2\n",
      "spec:\n  rules:\n  - name: x\n    port: 1\n    name: y\n",
      // A key the colons miss elsewhere cannot hide one: `[x:]` is a one-pair mapping with its colon.
      "a: 1\na: 2\nb: [x:]\n",
      'a: 1\n"a": 2\nurl: "http://x"\n',
      "1: a\n'1': b\n",
      "__proto__: 1\n__proto__: 2\n",
      '"a\\u0062": 1\nab: 2\n',
    ]) {
      const r = parseChunk(text);
      expect(r).toEqual(screenedParse(text));
      expect(r.ok).toBe(false);
    }
    expect(seen.calls).toBe(7 * 2);
  });

  test("anchors, aliases and merge keys are left to the screen (the alias limit holds)", () => {
    const laughs = `a: &x [1, 2]\nb: [${Array.from({ length: 101 }, () => "*x").join(", ")}]\n`;
    const merge = "base: &b\n  a: 1\nm:\n  <<: *b\n  a: 2\n";
    for (const text of [laughs, merge]) expect(parseChunk(text)).toEqual(screenedParse(text));
    const r = parseChunk(laughs);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain("at most 100 aliases");
  });

  test("colons in comments, values and block scalars only send the document to the screen", () => {
    const seen = screenCalls();
    const text = "# note: this is fine\na: 'x: y'\nb: |\n  c: d\n  c: d\nt: 10:30\n";
    expect(parseChunk(text)).toEqual({ ok: true, value: { a: "x: y", b: "c: d\nc: d\n", t: "10:30" } });
    expect(seen.calls).toBe(1);
  });

  test("nesting at and past the limit, and deep enough to exhaust Bun's stack, as the screen decides", () => {
    const block = (n: number): string => Array.from({ length: n }, (_, d) => `${" ".repeat(d)}k${d}:`).join("\n") + " 1\n";
    const list = (n: number): string => `${"- ".repeat(n)}x\n`;
    const flow = (n: number): string => `a: ${"[".repeat(n)}${"]".repeat(n)}\n`;
    for (const text of [block(63), block(64), block(65), list(64), list(65), flow(63), flow(64), flow(5000), list(5000)]) {
      expect(parseChunk(text)).toEqual(screenedParse(text));
    }
    expect(parseChunk(block(64)).ok).toBe(true);
    expect(parseChunk(block(65)).ok).toBe(false);
    const deep = parseChunk(flow(5000));
    expect(deep.ok).toBe(false);
    if (!deep.ok) expect(deep.error.message).toBe("nested deeper than 64 levels");
  });
});

function randomDocument(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  // Few key names, so that duplicates are common; some equal only once parsed ("1" and 1).
  const keys = ["name", "port", "a", "b", "1", "'1'", '"name"', "true", "x-y", "__proto__", "null", "~"];
  const scalars = [
    "1",
    "two",
    "'x: y'",
    '"http://h:80/p"',
    "10:30",
    "[a: 1, b]",
    "[x:]",
    "''",
    ".inf",
    "-",
    "a # c: d",
    "{a, a}",
    "{y}",
    "? q",
    "&x {a: 1}",
    "*x",
    "!!str 1",
  ];
  const lines: string[] = [];
  const mapping = (indent: number, depth: number): void => {
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      const pad = " ".repeat(indent);
      const key = pick(keys);
      const sep = r() < 0.1 ? ":\t" : ": ";
      const roll = r();
      if (roll < 0.1) lines.push(`${pad}# comment${r() < 0.5 ? ": with colon" : ""}`);
      if (depth < 4 && roll < 0.35) {
        lines.push(`${pad}${key}:`);
        mapping(indent + 2, depth + 1);
      } else if (depth < 4 && roll < 0.5) {
        lines.push(`${pad}${key}:`);
        const items = 1 + Math.floor(r() * 3);
        for (let j = 0; j < items; j++) {
          if (r() < 0.5) lines.push(`${pad}- ${pick(scalars)}`);
          else {
            lines.push(`${pad}- ${pick(keys)}: ${pick(scalars)}`);
            if (r() < 0.5) lines.push(`${pad}  ${pick(keys)}: ${pick(scalars)}`);
          }
        }
      } else if (roll < 0.55) {
        lines.push(`${pad}${key}: |`, `${pad}  k: v`, `${pad}  ${pick(keys)}: ${pick(scalars)}`);
      } else lines.push(`${pad}${key}${sep}${pick(scalars)}`);
    }
  };
  mapping(0, 0);
  const text = lines.join("\n") + "\n";
  return r() < 0.1 ? text.replaceAll("\n", "\r\n") : text;
}

describe("random documents", () => {
  test("the shortcut and the screen decide 5,000 documents alike", () => {
    const r = rng(11);
    const seen = screenCalls();
    let shortcut = 0;
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      const text = randomDocument(r);
      const before = seen.calls;
      const fast = parseChunk(text);
      if (seen.calls === before) shortcut++;
      expect({ text, result: fast }).toEqual({ text, result: screenedParse(text) });
      if (!fast.ok) refused++;
    }
    // Both ways were taken, and many documents were refused (mostly for duplicates).
    expect(shortcut).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(1000);
    expect(5000 - shortcut - refused).toBeGreaterThan(500);
    console.log(`random documents: ${shortcut} decided by counting, ${refused} refused, ${5000 - shortcut - refused} accepted by the screen`);
  });
});
