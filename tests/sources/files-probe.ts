// Runs a permission scenario as an ordinary user (root reads everything, so tests/sources spawns
// this under setpriv when it runs as root): an unreadable file and an unlistable folder, then fixed.
// Prints one JSON line per step: the problems and the names of the objects in force.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSet } from "../../src/sources/files/fileset.ts";
import { formatProblem } from "../../src/validate/problems.ts";

const dir = mkdtempSync(join(tmpdir(), "edgegate-perm-"));
const svc = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {ports: [{port: 80}]}\n`;
mkdirSync(join(dir, "sub"));
writeFileSync(join(dir, "a.yaml"), svc("a"));
writeFileSync(join(dir, "sub", "b.yaml"), svc("b"));
const fs = new FileSet([dir], { settleMs: 0 });
const step = async (): Promise<void> => {
  const r = await fs.refresh();
  const names = fs
    .objects()
    .map((o) => o.object.metadata.name)
    .sort();
  console.log(JSON.stringify({ problems: r.problems.map((p) => formatProblem(p).replaceAll(dir, "D")), names }));
};
await step();
chmodSync(join(dir, "a.yaml"), 0o000);
chmodSync(join(dir, "sub"), 0o000);
await step();
chmodSync(join(dir, "a.yaml"), 0o644);
chmodSync(join(dir, "sub"), 0o755);
await step();
rmSync(dir, { recursive: true, force: true });
