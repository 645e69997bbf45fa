// Golden tests at both pure boundaries, Envoy Gateway style: for every case in testdata/,
//   input.yaml (+ optional config.yaml)  --translate-->  ir.json   (IR, status and problems)
//   ir.json                              --emit------->  xds.json  (Envoy's canonical proto3 JSON)
// A change in either stage shows up as a reviewable diff of these files. After an intended change,
// regenerate them with `npm run golden:update` and review the diff before committing.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { defaultConfig, type ApplianceConfig } from "../../src/config/types.ts";
import type { Ir } from "../../src/ir/types.ts";
import { emitOptions, translateOnly } from "../../src/pipeline/compile.ts";
import { loadPaths } from "../../src/sources/files/load.ts";
import { emitXds } from "../../src/xds/emit/index.ts";
import { xdsToJson } from "../../src/xds/json.ts";

const update = process.env.EDGEGATE_UPDATE_GOLDEN === "1";
const repo = join(import.meta.dir, "../..");
const testdata = join(import.meta.dir, "testdata");

interface GoldenCase {
  name: string;
  dir: string;
  inputs: string[];
}

// Every folder in testdata/ is a case; the shipped example is one too, read in place so the golden
// files follow it.
const cases: GoldenCase[] = [
  ...readdirSync(testdata, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(testdata, e.name, "input.yaml")))
    .map((e) => ({ name: e.name, dir: join(testdata, e.name), inputs: [join(testdata, e.name, "input.yaml")] })),
  { name: "example-lab", dir: join(testdata, "example-lab"), inputs: [join(repo, "config/examples/lab")] },
].sort((a, b) => (a.name < b.name ? -1 : 1));

function caseConfig(c: GoldenCase): ApplianceConfig {
  const file = join(c.dir, "config.yaml");
  const loaded = existsSync(file) ? loadConfig(file) : { typed: defaultConfig("golden-node"), problems: [] };
  expect(loaded.problems).toEqual([]);
  if (!loaded.typed) throw new Error(`${file}: no typed configuration`);
  // The node's identity must not depend on the machine running the test.
  return { ...loaded.typed, node: { ...loaded.typed.node, name: "golden-node" } };
}

/** Stable text: file paths relative to the repository, two-space indentation, final newline. */
function jsonText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" && v.startsWith(repo + "/") ? relative(repo, v) : v), 2) + "\n";
}

function compareOrUpdate(file: string, actual: string): void {
  if (update || !existsSync(file)) {
    if (!update) throw new Error(`${relative(repo, file)} is missing: run npm run golden:update and review it`);
    writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("golden: input.yaml -> ir.json -> xds.json", () => {
  test("there are cases for every feature family", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of cases) {
    test(c.name, async () => {
      const config = caseConfig(c);
      const load = await loadPaths(c.inputs);
      // Inputs must be valid: a golden case documents what a working input becomes.
      expect(load.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([]);
      const t = translateOnly({ objects: load.objects, config });
      const irText = jsonText({ ir: t.ir, status: t.status, problems: t.problems });
      compareOrUpdate(join(c.dir, "ir.json"), irText);

      // The emit stage reads the stored IR, so each boundary is checked on its own.
      const stored = JSON.parse(readFileSync(join(c.dir, "ir.json"), "utf8")) as { ir: Ir };
      const xdsText = jsonText(xdsToJson(emitXds(stored.ir, emitOptions(config))));
      compareOrUpdate(join(c.dir, "xds.json"), xdsText);
    });
  }
});
