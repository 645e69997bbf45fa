// render's streamed JSON text must be exactly JSON.stringify of the canonical JSON tree.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadPaths } from "../../src/sources/files/load.ts";
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile, emitOptions } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { xdsToJson } from "../../src/xds/json.ts";
import { writeIrJsonText, writeJsonText } from "../../src/xds/render/pretty.ts";
import { generate } from "../../bench/generate.ts";

const config = defaultConfig("render-test");

// The writers' chunks, joined: what `render` prints.
const collect = (write: (out: (s: string) => void) => void): string => {
  const parts: string[] = [];
  write((s) => void parts.push(s));
  return parts.join("");
};
const renderJsonText = (...a: Parameters<typeof writeJsonText> extends [unknown, ...infer R] ? R : never): string => collect((w) => writeJsonText(w, ...a));
const renderIrJsonText = (...a: Parameters<typeof writeIrJsonText> extends [unknown, ...infer R] ? R : never): string =>
  collect((w) => writeIrJsonText(w, ...a));

describe("renderJsonText", () => {
  test("equals JSON.stringify(xdsToJson(...), null, 2) on the examples, with status", async () => {
    const load = await loadPaths([join(import.meta.dir, "../../config/examples")]);
    const r = compile({ objects: load.objects, config });
    expect(r.xds.routes.length).toBeGreaterThan(0);
    expect(renderJsonText(r.xds, { status: r.status })).toBe(JSON.stringify({ ...xdsToJson(r.xds), status: r.status }, null, 2) + "\n");
  });

  test("equals it on a generated configuration with many virtual hosts", () => {
    const r = compile({ objects: parseFile("g.yaml", generate({ routes: 300, hostnames: 40, services: 20 })).objects, config });
    expect(renderJsonText(r.xds)).toBe(JSON.stringify(xdsToJson(r.xds), null, 2) + "\n");
  });

  test("equals it when there is nothing to render", () => {
    const r = compile({ objects: [], config });
    expect(renderJsonText(r.xds)).toBe(JSON.stringify(xdsToJson(r.xds), null, 2) + "\n");
  });
});

describe("renderIrJsonText (render's streaming path from the IR)", () => {
  test("equals the text of the fully emitted configuration", async () => {
    for (const objects of [
      (await loadPaths([join(import.meta.dir, "../../config/examples")])).objects,
      parseFile("g.yaml", generate({ routes: 300, hostnames: 40, services: 20 })).objects,
    ]) {
      const r = compile({ objects, config });
      expect(renderIrJsonText(r.ir, emitOptions(config), { status: r.status })).toBe(JSON.stringify({ ...xdsToJson(r.xds), status: r.status }, null, 2) + "\n");
    }
  });
});

describe("parallel YAML parsing", () => {
  test("a large file parses to the same documents, lines and errors on two cores", async () => {
    const { parseYamlFile, parseYamlFileParallel } = await import("../../src/yaml/documents.ts");
    const broken = "apiVersion: v1\nkind: Service\nmetadata: {name: broken\n";
    const text = generate({ routes: 2500, hostnames: 100, services: 50 }) + "---\n" + broken + "---\n" + generate({ routes: 10, hostnames: 2, services: 2 });
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    const serial = parseYamlFile("big.yaml", text);
    const parallel = await parseYamlFileParallel("big.yaml", text);
    expect(parallel.errors).toEqual(serial.errors);
    expect(parallel.errors.length).toBe(1);
    expect(parallel.documents.length).toBe(serial.documents.length);
    expect(JSON.stringify(parallel.documents)).toBe(JSON.stringify(serial.documents));
  });
});
