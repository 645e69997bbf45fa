// File mode's hostile cases: partial writes, vanished roots, file types, symlink loops, sizes and
// permissions. Each asserts the exact problem and that the objects in force are kept.
import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSet } from "../../src/sources/files/fileset.ts";
import { formatProblem } from "../../src/validate/problems.ts";

const base = mkdtempSync(join(tmpdir(), "edgegate-files-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const svc = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: {ports: [{port: 80}]}\n`;

function setup(
  name: string,
  opts: { maxFileBytes?: number } = {},
): { dir: string; fs: FileSet; tick: (ms: number) => void; names: () => Promise<string[]>; problems: () => string[] } {
  const dir = join(base, name);
  mkdirSync(dir);
  let now = 0;
  const fs = new FileSet([dir], { settleMs: 1000, now: () => now, ...opts });
  let last: string[] = [];
  return {
    dir,
    fs,
    tick: (ms) => void (now += ms),
    names: async () => {
      last = (await fs.refresh()).problems.map((p) => formatProblem(p).replaceAll(`${dir}`, "D"));
      return fs
        .objects()
        .map((o) => o.object.metadata.name)
        .sort();
    },
    problems: () => last,
  };
}

describe("files settle before they count", () => {
  test("truncate-then-write: the emptied file keeps its objects until the new text arrives", async () => {
    const t = setup("truncate");
    writeFileSync(join(t.dir, "s.yaml"), svc("a") + "---\n" + svc("b"));
    expect(await t.names()).toEqual(["a", "b"]);
    writeFileSync(join(t.dir, "s.yaml"), "");
    t.tick(300);
    expect(await t.names()).toEqual(["a", "b"]);
    writeFileSync(join(t.dir, "s.yaml"), svc("a") + "---\n" + svc("b") + "---\n" + svc("c"));
    expect(await t.names()).toEqual(["a", "b", "c"]);
  });

  test("a file cut short at a document boundary removes objects only after the window", async () => {
    const t = setup("cut");
    writeFileSync(join(t.dir, "s.yaml"), svc("a") + "---\n" + svc("b"));
    expect(await t.names()).toEqual(["a", "b"]);
    writeFileSync(join(t.dir, "s.yaml"), svc("a"));
    expect(await t.names()).toEqual(["a", "b"]);
    t.tick(999);
    expect(await t.names()).toEqual(["a", "b"]);
    t.tick(1);
    expect(await t.names()).toEqual(["a"]);
  });

  test("renamed away and recreated: nothing is lost in between", async () => {
    const t = setup("rename");
    writeFileSync(join(t.dir, "s.yaml"), svc("a"));
    expect(await t.names()).toEqual(["a"]);
    renameSync(join(t.dir, "s.yaml"), join(base, "elsewhere.yaml"));
    t.tick(35);
    expect(await t.names()).toEqual(["a"]);
    writeFileSync(join(t.dir, "s.yaml"), svc("a"));
    t.tick(2000);
    expect(await t.names()).toEqual(["a"]);
  });

  test("the watched root moved away keeps the last good objects and says so; back, the problem clears", async () => {
    const t = setup("root");
    writeFileSync(join(t.dir, "s.yaml"), svc("a"));
    expect(await t.names()).toEqual(["a"]);
    renameSync(t.dir, `${t.dir}.moved`);
    t.tick(10_000);
    expect(await t.names()).toEqual(["a"]);
    expect(t.problems()).toEqual(["D:0: no such file or directory"]);
    renameSync(`${t.dir}.moved`, t.dir);
    expect(await t.names()).toEqual(["a"]);
    expect(t.problems()).toEqual([]);
  });
});

describe("only regular files are read", () => {
  test("a FIFO named *.yaml is reported and never opened (no hang)", async () => {
    const t = setup("fifo");
    writeFileSync(join(t.dir, "a.yaml"), svc("a"));
    execFileSync("mkfifo", [join(t.dir, "pipe.yaml")]);
    expect(await t.names()).toEqual(["a"]);
    expect(t.problems()).toEqual(["D/pipe.yaml:0: a FIFO, not a regular file; skipped (only regular files are read)"]);
  });

  test("a symlink to /dev/zero is reported as a device", async () => {
    const t = setup("zero");
    symlinkSync("/dev/zero", join(t.dir, "zero.yaml"));
    expect(await t.names()).toEqual([]);
    expect(t.problems()).toEqual(["D/zero.yaml:0: a character device, not a regular file; skipped (only regular files are read)"]);
  });

  test("two symlinks to . are read once each way, not forever", async () => {
    const t = setup("loop");
    writeFileSync(join(t.dir, "a.yaml"), svc("a"));
    symlinkSync(".", join(t.dir, "l1"));
    symlinkSync(".", join(t.dir, "l2"));
    expect(await t.names()).toEqual(["a"]);
    expect(t.problems()).toEqual([
      `D/l1:0: symlink loop or a second path to the same folder (D): read once; skipped here`,
      `D/l2:0: symlink loop or a second path to the same folder (D): read once; skipped here`,
    ]);
  });

  test("a symlink to itself is a loop", async () => {
    const t = setup("self");
    symlinkSync("self.yaml", join(t.dir, "self.yaml"));
    expect(await t.names()).toEqual([]);
    expect(t.problems()).toEqual(["D/self.yaml:0: symlink loop (too many levels of symbolic links)"]);
  });

  test("a file over the size limit is refused and its previous objects stay", async () => {
    const t = setup("size", { maxFileBytes: 200 });
    writeFileSync(join(t.dir, "a.yaml"), svc("a"));
    expect(await t.names()).toEqual(["a"]);
    writeFileSync(join(t.dir, "a.yaml"), svc("a") + "#".repeat(300));
    expect(await t.names()).toEqual(["a"]);
    expect(t.problems()).toEqual(["D/a.yaml:0: is 377 bytes, over the 200 bytes limit (source.maxFileBytes); not read"]);
    writeFileSync(join(t.dir, "a.yaml"), svc("b"));
    expect(await t.names()).toEqual(["a"]);
    t.tick(1000);
    expect(await t.names()).toEqual(["b"]);
    expect(t.problems()).toEqual([]);
  });

  test("unreadable files and unlistable folders are problems that clear when fixed", async () => {
    const probe = join(import.meta.dir, "files-probe.ts");
    const bun = process.execPath;
    const out =
      process.getuid?.() === 0
        ? execFileSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", bun, probe], {
            encoding: "utf8",
            env: { ...process.env, TMPDIR: "/tmp" },
          })
        : execFileSync(bun, [probe], { encoding: "utf8" });
    const steps = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { problems: string[]; names: string[] });
    expect(steps[0]).toEqual({ problems: [], names: ["a", "b"] });
    expect(steps[1]).toEqual({
      problems: [
        "D/sub:0: cannot list this folder: permission denied; what was read from it before stays in force",
        "D/a.yaml:0: cannot read: permission denied",
      ],
      names: ["a", "b"],
    });
    expect(steps[2]).toEqual({ problems: [], names: ["a", "b"] });
  });
});
