// A running FileSet gives what a fresh load of the same files gives (the reviewer's reproductions:
// documents reordered or moved in a file, an apiVersion typo on an object without a namespace).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSet } from "../../src/sources/files/fileset.ts";

const root = mkdtempSync(join(tmpdir(), "edgegate-fileset-running-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const svc = (name: string, apiVersion = "v1"): string => `apiVersion: ${apiVersion}\nkind: Service\nmetadata: {name: ${name}}\nspec: {ports: [{port: 80}]}\n`;
let tick = 0;
function write(file: string, text: string): void {
  writeFileSync(file, text);
  // Distinct mtimes even within one clock tick, so the change is always seen.
  const t = new Date(Date.now() + ++tick * 1000);
  utimesSync(file, t, t);
}
const where = (fs: FileSet): string[] => fs.objects().map((o) => `${o.key}@${o.origin.source === "file" ? o.origin.line : 0}`);

describe("FileSet while running", () => {
  test("documents reordered or moved down in a file: the new order and lines, as a fresh load gives them", async () => {
    const dir = mkdtempSync(join(root, "reorder-"));
    const file = join(dir, "a.yaml");
    write(file, `${svc("a")}---\n${svc("b")}`);
    const live = new FileSet([dir], { settleMs: 0 });
    await live.refresh();
    live.objects();
    for (const text of [`${svc("b")}---\n${svc("a")}`, `${svc("pad")}---\n${svc("b")}---\n${svc("a")}`]) {
      write(file, text);
      await live.refresh();
      const fresh = new FileSet([dir], { settleMs: 0 });
      await fresh.refresh();
      expect(where(live)).toEqual(where(fresh));
    }
    expect(where(live)).toEqual(["Service/default/pad@1", "Service/default/b@6", "Service/default/a@11"]);
  });

  test("an apiVersion typo on an object without metadata.namespace keeps its last good version past the settle window", async () => {
    const dir = mkdtempSync(join(root, "apiversion-"));
    const file = join(dir, "a.yaml");
    let clock = 0;
    write(file, svc("web"));
    const fs = new FileSet([dir], { settleMs: 1000, now: () => clock });
    await fs.refresh();
    write(file, svc("web", "core/v1"));
    clock = 10;
    const r = await fs.refresh();
    expect(r.problems.map((p) => p.message)).toEqual(["Service is served as v1, not core/v1"]);
    clock = 2000;
    await fs.refresh();
    expect(fs.objects().map((o) => [o.key, o.object.apiVersion])).toEqual([["Service/default/web", "v1"]]);
  });
});
