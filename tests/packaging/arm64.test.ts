// The arm64 binary, run under Debian's qemu-user-static, must behave exactly as the x64 one: the
// same bytes from `version` (but the architecture), `validate` and `render`, over the examples and
// the Gateway API conformance manifests. Both binaries are built here from the same tree by
// `npm run package -- --no-deb` (the arm64 Bun runtime comes from npm as @oven/bun-linux-aarch64).
// qemu is slow (seconds per start), so renders cover a fixed spread of the conformance cases; set
// EDGEGATE_ARM64_ALL=1 to render every case.
import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gatewayClassManifest, substitute } from "../conformance/harness/inputs.ts";
import { root } from "./files.ts";

const qemu = "/usr/bin/qemu-aarch64-static";
// The arm64 loader, libc (libc6-arm64-cross) and Debian's arm64 libre2, libstdc++ and libgcc_s, put
// together by scripts/package.ts when it cross-builds the RE2 shim.
const sysroot = join(root, "build/arm64-sysroot");
const conformance = join(root, "../shared/conformance/gateway-api-v1.6.1");
const x64 = join(root, "dist/edgegate-linux-x64");
const arm64 = join(root, "dist/edgegate-linux-arm64");
const controller = "edgegate.io/gateway-controller";

const missing = [
  existsSync(qemu) ? "" : `${qemu} (apt install qemu-user-static)`,
  existsSync("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1") ? "" : "the arm64 libc (apt install libc6-arm64-cross)",
  existsSync("/usr/bin/aarch64-linux-gnu-g++") ? "" : "the arm64 C++ cross compiler for the RE2 shim (apt install g++-aarch64-linux-gnu)",
  process.arch === "x64" ? "" : "an x64 machine",
].filter((m) => m !== "");
if (missing.length > 0) console.warn(`!!! tests/packaging/arm64.test.ts SKIPPED: needs ${missing.join(", ")} !!!`);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}
async function run(binary: "x64" | "arm64", args: string[], cwd: string): Promise<Result> {
  const cmd = binary === "x64" ? [x64, ...args] : [qemu, "-L", sysroot, arm64, ...args];
  const p = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code, stdout, stderr };
}
/** Both binaries on the same input; arm64 under qemu. */
async function both(args: string[], cwd: string): Promise<[Result, Result]> {
  return Promise.all([run("x64", args, cwd), run("arm64", args, cwd)]);
}

const regexRoute = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: regex}
spec: {controllerName: ${controller}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: regex, namespace: default}
spec:
  gatewayClassName: regex
  listeners: [{name: http, port: 8080, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: regex, namespace: default}
spec:
  parentRefs: [{name: regex}]
  rules:
    - matches: [{path: {type: RegularExpression, value: "/a(b|c)+(?P<x>d)"}}]
      backendRefs: [{name: web, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {ports: [{port: 80}]}
`;

/** One conformance case as a folder: the harness's GatewayClass, the base manifests, the case. */
function caseDir(parent: string, file: string): string {
  const dir = join(parent, file.replace(/\.yaml$/, ""));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "gatewayclass.yaml"), gatewayClassManifest(controller));
  writeFileSync(join(dir, "base.yaml"), substitute(readFileSync(join(conformance, "base/manifests.yaml"), "utf8"), controller));
  writeFileSync(join(dir, "case.yaml"), substitute(readFileSync(join(conformance, "tests", file), "utf8"), controller));
  return dir;
}

describe.skipIf(missing.length > 0)("arm64 binary under qemu = x64 binary", () => {
  let work = "";
  let cases: string[] = [];

  beforeAll(() => {
    const r = spawnSync(process.execPath, ["scripts/package.ts", "--no-deb"], { cwd: root, encoding: "utf8", timeout: 600_000 });
    if (r.status !== 0) throw new Error(`npm run package -- --no-deb failed:\n${r.stderr}`);
    if (!existsSync(conformance)) throw new Error(`${conformance} is missing (the shared conformance data must sit beside the repository)`);
    work = mkdtempSync(join(tmpdir(), "edgegate-arm64-"));
    cpSync(join(root, "config/examples"), join(work, "examples"), { recursive: true });
    // A regex route: validation compiles it with RE2 through the embedded native shim, which must
    // be the arm64 build in the arm64 binary.
    mkdirSync(join(work, "regex"));
    writeFileSync(join(work, "regex/route.yaml"), regexRoute);
    const all = readdirSync(join(conformance, "tests"))
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    // Every 12th case (a spread over the kinds, since the names sort by kind), or all of them.
    cases = process.env.EDGEGATE_ARM64_ALL === "1" ? all : all.filter((_, i) => i % 12 === 0);
  }, 620_000);

  test("the arm64 file is an aarch64 executable", () => {
    const head = readFileSync(arm64).subarray(0, 20);
    expect(head.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(head.readUInt16LE(18)).toBe(183); // EM_AARCH64
  });

  test("version: identical but for the architecture", async () => {
    const [a, b] = await both(["version"], work);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toContain("linux/x64");
    expect(b.stdout).toBe(a.stdout.replace("linux/x64", "linux/arm64"));
  }, 60_000);

  test("validate: the examples, a regex route and every conformance manifest, same bytes and exit code", async () => {
    const [x, y] = await both(["validate", "regex"], work);
    expect(x.stderr).toBe("ok: 4 objects in 1 file(s)\n");
    expect(y).toEqual(x);
    for (const args of [
      ["validate", "examples"],
      ["validate", join(conformance, "base"), join(conformance, "tests")],
    ]) {
      const [a, b] = await both(args, work);
      expect(b).toEqual(a);
    }
  }, 120_000);

  test("render --status: the examples and a spread of conformance cases, same bytes and exit code", async () => {
    for (const dir of ["examples", "regex"]) {
      const [a, b] = await both(["render", "--status", dir], work);
      expect(a.code).toBe(0);
      expect(a.stdout.length).toBeGreaterThan(1000);
      expect(b).toEqual(a);
    }
    let nonEmpty = 0;
    // Two at a time: qemu is CPU-bound and CI has two cores.
    const queue = [...cases];
    const differ: string[] = [];
    const worker = async (): Promise<void> => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const dir = caseDir(work, f);
        const [x, y] = await both(["render", "--status", "."], dir);
        // Conflicting base Gateways are reported (exit 1) but the rest still renders.
        if (x.stdout.includes('"name"')) nonEmpty++;
        if (JSON.stringify(x) !== JSON.stringify(y)) differ.push(`${f}: x64 exit ${x.code}, arm64 exit ${y.code}`);
      }
    };
    await Promise.all([worker(), worker()]);
    expect(differ).toEqual([]);
    // The comparison is only worth something if most cases produce real output.
    expect(nonEmpty).toBeGreaterThan(cases.length / 2);
  }, 600_000);
});
