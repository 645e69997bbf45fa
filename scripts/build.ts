// Builds the single binary dist/edgegate (bun build --compile). BPF objects are compiled first
// when bpf/ has sources, because the binary embeds them.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const run = (cmd: string, args: string[]): void => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`build: ${cmd} ${args.join(" ")} failed`);
    process.exit(1);
  }
};

if (existsSync(join(root, "bpf/Makefile"))) run("make", ["-s", "-C", "bpf"]);
// The RE2 shim (validation checks regexes with RE2 itself), embedded like the BPF objects.
run("make", ["-s", "-C", "native/re2"]);

const version = JSON.parse(await Bun.file(join(root, "package.json")).text()).version as string;
const started = performance.now();
const result = await Bun.build({
  // Workers are entry points of their own in the compiled binary.
  entrypoints: [join(root, "src/main.ts"), join(root, "src/yaml/parse-worker.ts"), join(root, "src/sources/files/load-worker.ts"), join(root, "src/server/health-worker.ts")],
  compile: { outfile: join(root, "dist/edgegate") },
  minify: true,
  sourcemap: "linked",
  define: { EDGEGATE_VERSION: JSON.stringify(version) },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const bpfObjects = existsSync(join(root, "bpf")) ? readdirSync(join(root, "bpf")).filter((f) => f.endsWith(".o")).length : 0;
console.error(`build: dist/edgegate (${bpfObjects} BPF objects embedded) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
