// Builds the single binary dist/edgegate (bun build --compile). BPF objects are compiled first
// when bpf/ has sources, because the binary embeds them.
// Cross builds (scripts/package.ts): --target bun-linux-arm64 --outfile dist/edgegate-linux-arm64
// [--executable-path RUNTIME] [--re2-shim SO]: the target's Bun runtime (from npm) and RE2 shim.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

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

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const target = flag("--target") as Bun.Build.CompileTarget | undefined;
const executablePath = flag("--executable-path");
// The RE2 shim is native code: a cross build embeds the target's build of it instead (package.ts).
const re2Shim = flag("--re2-shim");
const re2ShimPlugin: Bun.BunPlugin = {
  name: "re2-shim-for-target",
  setup(b) {
    b.onResolve({ filter: /libedgegate-re2\.so$/ }, () => ({ path: re2Shim ?? "" }));
  },
};
const outfile = join(root, flag("--outfile") ?? "dist/edgegate");
// The commit `edgegate version` prints; "-dirty" when the tree has uncommitted changes.
const git = (args: string[]): string => spawnSync("git", args, { cwd: root, encoding: "utf8" }).stdout?.trim() ?? "";
const commit = (git(["rev-parse", "--short=12", "HEAD"]) || "unknown") + (git(["status", "--porcelain", "--untracked-files=no"]) ? "-dirty" : "");
const version = JSON.parse(await Bun.file(join(root, "package.json")).text()).version as string;
const started = performance.now();
const result = await Bun.build({
  // Workers are entry points of their own in the compiled binary.
  entrypoints: [
    join(root, "src/main.ts"),
    join(root, "src/yaml/parse-worker.ts"),
    join(root, "src/sources/files/load-worker.ts"),
    join(root, "src/server/health-worker.ts"),
  ],
  // An installed daemon must not pick up a .env or bunfig.toml from whatever directory it starts in.
  compile: { outfile, ...(target ? { target } : {}), ...(executablePath ? { executablePath } : {}), autoloadDotenv: false, autoloadBunfig: false },
  minify: true,
  // Precompiled bytecode: the binary starts without parsing its own source (about 4% of the CPU of
  // `render` at 10,000 routes, most of it start-up). ESM, as the source is.
  bytecode: true,
  format: "esm",
  sourcemap: "linked",
  ...(re2Shim ? { plugins: [re2ShimPlugin] } : {}),
  define: { EDGEGATE_VERSION: JSON.stringify(version), EDGEGATE_COMMIT: JSON.stringify(commit) },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const bpfObjects = existsSync(join(root, "bpf")) ? readdirSync(join(root, "bpf")).filter((f) => f.endsWith(".o")).length : 0;
console.error(
  `build: ${relative(root, outfile)} (${target ?? "host"}, ${bpfObjects} BPF objects embedded) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
