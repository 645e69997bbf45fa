// The hostile-input suite (issue 10 item 9). Each input in inputs.ts is checked two ways:
//   validate: the exact problem lines, kept in expected.json (EDGEGATE_UPDATE_GOLDEN=1 rewrites it;
//             review the diff), and that it finishes quickly (linear work, no hang);
//   run:      file mode's store (what `run` publishes from) first holds a good Service, then the
//             same file is overwritten with the hostile text: unless the new text holds a valid
//             version of that Service, the very same object (identity) stays in force.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepare } from "../../src/cli/inputs.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { FileSet } from "../../src/sources/files/fileset.ts";
import { formatProblem } from "../../src/validate/problems.ts";
import { hostileInputs } from "./inputs.ts";

const dir = mkdtempSync(join(tmpdir(), "edgegate-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const goldenPath = join(import.meta.dir, "expected.json");
const update = process.env.EDGEGATE_UPDATE_GOLDEN === "1";
const golden = update ? {} : (JSON.parse(readFileSync(goldenPath, "utf8")) as Record<string, string[]>);
const actual: Record<string, string[]> = {};
const inputs = hostileInputs();
const good = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n";

afterAll(() => {
  if (update) writeFileSync(goldenPath, JSON.stringify(actual, null, 1) + "\n");
});

describe("hostile inputs", () => {
  test("there are at least 80 distinct ones", () => {
    expect(new Set(inputs.map((i) => i.name)).size).toBe(inputs.length);
    expect(inputs.length).toBeGreaterThanOrEqual(80);
  });

  for (const input of inputs) {
    test(input.name, async () => {
      const caseDir = join(dir, input.name);
      mkdirSync(caseDir);
      const file = join(caseDir, "input.yaml");

      // run: a good version first, then the hostile text in its place.
      writeFileSync(file, good);
      const store = new FileSet([caseDir], { now: () => 0 });
      await store.refresh();
      const before = store.objects().find((o) => o.key === "Service/default/web")!;
      expect(before).toBeDefined();
      writeFileSync(file, input.text);

      const started = performance.now();
      const prep = await prepare([file], defaultConfig("test-node"));
      const ms = performance.now() - started;
      const lines = prep.problems.map((p) => formatProblem(p).replaceAll(`${caseDir}/`, ""));
      actual[input.name] = lines;
      if (!update) expect(lines).toEqual(golden[input.name] ?? ["(no golden entry)"]);
      // Linear work on hostile input: even the largest case is well under this on 2 cores.
      expect(ms).toBeLessThan(5000);
      for (const l of lines) expect(l.length).toBeLessThan(600);

      await store.refresh();
      const after = store.objects().find((o) => o.key === "Service/default/web");
      const replacedByValid = prep.load.objects.some((o) => o.key === "Service/default/web");
      if (!replacedByValid) expect(after).toBe(before);
      else expect(after).toBeDefined();
    });
  }
});
