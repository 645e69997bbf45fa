// A large file read by `run` is parsed and validated on a worker: the result must be exactly what
// the main thread would have produced, problems included.
import { describe, expect, test } from "bun:test";
import { parseFile, parseFileOffThread, parseFileParallel } from "../../src/sources/files/parse.ts";
import { generate } from "../../bench/generate.ts";

describe("parseFileOffThread", () => {
  test("a 2 MB file gives the same objects and problems as parseFile", async () => {
    const bad =
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: odd}\nspec: {ports: [{port: 80}], extra: [.inf, .nan]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: broken}\nspec: {ports: [{port: 0}]}\n---\na: 1\na: 2\n";
    const text = generate({ routes: 1500, hostnames: 50, services: 40 }) + bad;
    expect(text.length).toBeGreaterThan(1024 * 1024);
    const here = parseFile("big.yaml", text);
    const there = await parseFileOffThread("big.yaml", text);
    expect(there.problems).toEqual(here.problems);
    expect(there.problems.length).toBe(2);
    expect(there.objects.length).toBe(here.objects.length);
    expect(JSON.stringify(there)).toBe(JSON.stringify(here));
    // .inf and .nan survive the trip from the worker (JSON alone would make them null).
    const odd = (l: typeof here) => (l.objects.find((o) => o.object.metadata.name === "odd")!.object.spec as { extra: number[] }).extra;
    expect(odd(there)).toEqual([Infinity, NaN]);
    expect(odd(here)).toEqual([Infinity, NaN]);
  });
});

describe("parseFileParallel", () => {
  test("a large file admitted half while the worker parses gives exactly parseFile's objects, problems and order", async () => {
    const bad = (n: string) =>
      `---\napiVersion: v1\nkind: Service\nmetadata: {name: ${n}-broken}\nspec: {ports: [{port: 0}]}\n---\nkind: Service\nmetadata: {name: ${n}-syntax\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ${n}-unknown}\n`;
    // An invalid object, a syntax error and an unknown kind in each half, so their merged order is checked.
    const text = bad("a") + generate({ routes: 2500, hostnames: 100, services: 50 }) + bad("b");
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    const serial = parseFile("big.yaml", text);
    const parallel = await parseFileParallel("big.yaml", text);
    expect(serial.problems.length).toBe(6);
    expect(serial.syntaxOk).toBe(false);
    expect(parallel.problems).toEqual(serial.problems);
    expect(parallel.warnings).toEqual(serial.warnings);
    expect(parallel.invalidKeys).toEqual(serial.invalidKeys);
    expect(JSON.stringify(parallel)).toBe(JSON.stringify(serial));
  });
});
