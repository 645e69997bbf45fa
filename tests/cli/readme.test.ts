// The README's commands as printed: every `npm run X` has a script, every `npx bun FILE` names a
// file that exists, every `edgegate COMMAND` is a command with the flags shown, and the Quick
// start's look-around commands that need no running appliance work.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const bin = join(root, "dist/edgegate");
const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync([bin, ...args], { cwd: root, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const all = (re: RegExp) => [...readme.matchAll(re)].map((m) => m[1]!);

describe("README commands", () => {
  test("every npm run script exists", () => {
    const used = [...new Set(all(/npm run ([\w:-]+)/g))];
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((s) => !(s in scripts))).toEqual([]);
  });

  test("every script run with npx bun exists (bun itself is in node_modules/.bin, not on PATH)", () => {
    const files = [...new Set(all(/npx bun ([\w./-]+\.ts)/g))];
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((f) => !existsSync(join(root, f)))).toEqual([]);
    // A bare `bun FILE` would fail on a fresh clone: `bun: command not found`.
    expect(readme.match(/`bun (?!test`)[\w./-]+\.ts/g) ?? []).toEqual([]);
  });

  test("every edgegate command shown exists and takes the flags shown", () => {
    // In code: `edgegate X ...` spans and ./dist/edgegate X command lines.
    const commands = [...new Set(all(/(?:`|\.\/dist\/)edgegate ([a-z]+)\b/g))];
    expect(commands).toEqual(expect.arrayContaining(["run", "validate", "render", "status", "dump", "datapath", "version"]));
    for (const c of commands) {
      const r = run([c, "--help"]);
      expect({ c, code: r.code }).toEqual({ c, code: 0 });
    }
    // Flags shown in the Commands table appear in each command's own usage.
    const table = readme.slice(readme.indexOf("## Commands"), readme.indexOf("## Inputs"));
    for (const row of table.split("\n").filter((l) => l.startsWith("| `edgegate "))) {
      const cmd = /^\| `edgegate (\w+)/.exec(row)![1]!;
      const usage = run([cmd, "--help"]).stdout;
      for (const flag of new Set(row.match(/--[a-z][a-z-]+/g) ?? []))
        expect({ cmd, flag, inUsage: usage.includes(flag) }).toEqual({ cmd, flag, inUsage: true });
    }
  });

  test("the Quick start's render and validate run as printed", () => {
    expect(readme).toContain("./dist/edgegate render --config config/edgegate.yaml");
    const r = run(["render", "--config", "config/edgegate.yaml"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).listeners.length).toBe(2);
    expect(run(["validate", "--config", "config/edgegate.yaml"]).code).toBe(0);
  });
});
