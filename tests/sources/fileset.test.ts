// File mode keeps the last good configuration: a broken file or object never removes what worked.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync, unlinkSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSet } from "../../src/sources/files/fileset.ts";

const dir = mkdtempSync(join(tmpdir(), "edgegate-fileset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const svc = (name: string, port: number | string): string => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {ports: [{port: ${port}}]}\n`;
let tick = 0;
function write(file: string, text: string): void {
  const p = join(dir, file);
  writeFileSync(p, text);
  // Distinct mtimes even within one clock tick, so the change is always seen.
  const t = new Date(Date.now() + ++tick * 1000);
  utimesSync(p, t, t);
}
const ports = (fs: FileSet): Record<string, unknown> =>
  Object.fromEntries(fs.objects().map((o) => [o.object.metadata.name, (o.object.spec as { ports: Array<{ port: unknown }> }).ports[0]!.port]));

let clock = 0;
describe("FileSet", () => {
  const fs = new FileSet([dir], { settleMs: 1000, now: () => clock });
  test("reads every YAML file below the folder", async () => {
    write("a.yaml", svc("a", 80) + "---\n" + svc("b", 81));
    write("c.yml", svc("c", 82));
    write("notes.txt", "not yaml, not read");
    const r = await fs.refresh();
    expect(r.problems).toEqual([]);
    expect(ports(fs)).toEqual({ a: 80, b: 81, c: 82 });
  });

  test("a file that no longer parses keeps all of its previous objects, and says why", async () => {
    write("a.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a\n");
    const r = await fs.refresh();
    expect(r.changed).toEqual([join(dir, "a.yaml")]);
    expect(r.problems.map((p) => p.file)).toEqual([join(dir, "a.yaml")]);
    expect(ports(fs)).toEqual({ a: 80, b: 81, c: 82 });
  });

  test("an invalid object keeps its previous version while valid neighbours update", async () => {
    write("a.yaml", svc("a", "http") + "---\n" + svc("b", 91));
    const r = await fs.refresh();
    expect(r.problems.map((p) => p.path)).toEqual(["spec.ports[0].port"]);
    expect(ports(fs)).toEqual({ a: 80, b: 91, c: 82 });
  });

  test("unchanged files are not read again and keep their objects' identity", async () => {
    const before = fs.objects().find((o) => o.object.metadata.name === "c")!;
    const r = await fs.refresh();
    expect(r.changed).toEqual([]);
    expect(fs.objects().find((o) => o.object.metadata.name === "c")).toBe(before);
  });

  test("a removed file removes its objects once the settle window has passed", async () => {
    unlinkSync(join(dir, "c.yml"));
    expect((await fs.refresh()).retryInMs).toBe(1000);
    expect(Object.keys(ports(fs)).sort()).toEqual(["a", "b", "c"]);
    clock += 1000;
    await fs.refresh();
    expect(Object.keys(ports(fs)).sort()).toEqual(["a", "b"]);
  });
});
