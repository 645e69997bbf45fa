// proto/ is a buf module by itself (it imports only well-known types) and passes buf's STANDARD
// lint rules (proto/buf.yaml): package per directory and version, naming of fields and enums.
import { expect, test } from "bun:test";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");

test("buf lint proto", () => {
  const r = Bun.spawnSync([join(root, "node_modules/.bin/buf"), "lint", "proto"], { cwd: root, stderr: "pipe", stdout: "pipe" });
  expect(`${r.stdout.toString()}${r.stderr.toString()}`).toBe("");
  expect(r.exitCode).toBe(0);
});
