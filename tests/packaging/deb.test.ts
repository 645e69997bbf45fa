// The amd64 Debian package, the way a node's configuration management uses it: build it, check its
// metadata and lintian, `dpkg -i` it on this machine, run the installed binary from the installed
// paths (and as the unit would: the edgegate user with only the unit's capabilities), verify the
// installed units with systemd-analyze, then purge and check that nothing is left behind.
// Needs root and dpkg (CI has both); anything missing is reported loudly as a skip.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../helpers/ports.ts";
import { listSetting, parseUnit, read, root, setting } from "./files.ts";

const version = (JSON.parse(read("package.json")) as { version: string }).version;
const deb = join(root, `dist/edgegate_${version}_amd64.deb`);
const units = ["edgegate.service", "edgegate-kubeconfig.service"];

function sh(cmd: string, args: string[], opts: { timeout?: number } = {}): { code: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", timeout: opts.timeout ?? 60_000 });
  return { code: r.status ?? -1, out: r.stdout ?? "", err: r.stderr ?? "" };
}
const has = (cmd: string): boolean => sh("sh", ["-c", `command -v ${cmd}`]).code === 0;
const installed = (): boolean => sh("dpkg-query", ["-W", "-f", "${Status}", "edgegate"]).out.includes("install ok installed");

const missing = [
  process.getuid?.() === 0 ? "" : "root",
  ...["dpkg", "dpkg-deb", "setpriv", "adduser"].filter((c) => !has(c)),
  process.arch === "x64" ? "" : "an amd64 machine",
].filter((m) => m !== "");
if (missing.length > 0) console.warn(`!!! tests/packaging/deb.test.ts SKIPPED: needs ${missing.join(", ")} !!!`);

/** Everything named *edgegate* where a package or its services could leave files. */
function leftovers(): string[] {
  const dirs = ["/etc", "/lib/systemd", "/usr/bin", "/usr/lib", "/usr/share/doc", "/usr/share/man", "/usr/share/lintian", "/var/lib", "/run"];
  const found = sh("find", [...dirs, "-xdev", "-name", "*edgegate*"], { timeout: 60_000 }).out;
  return found
    .split("\n")
    .filter((l) => l !== "")
    .sort();
}

describe.skipIf(missing.length > 0)("Debian package (amd64)", () => {
  let before: string[] = [];

  beforeAll(() => {
    if (installed())
      throw new Error("an edgegate package is already installed on this machine; this test would purge it — remove it first (dpkg --purge edgegate)");
    before = leftovers();
    // --fast: gzip -1 instead of xz; the same files as the release package.
    const r = sh(process.execPath, ["scripts/package.ts", "--arch", "amd64", "--fast"], { timeout: 300_000 });
    if (r.code !== 0) throw new Error(`npm run package failed:\n${r.err}`);
  }, 320_000);

  afterAll(() => {
    // Whatever happened, do not leave the package installed.
    if (installed()) sh("dpkg", ["--purge", "edgegate"]);
    rmSync("/run/edgegate", { recursive: true, force: true });
  });

  test("control fields: version as package.json, dependencies, conffiles", () => {
    const field = (f: string): string => sh("dpkg-deb", ["-f", deb, f]).out.trim();
    expect(field("Package")).toBe("edgegate");
    expect(field("Version")).toBe(version);
    expect(field("Architecture")).toBe("amd64");
    expect(field("Depends")).toMatch(/^adduser, libbpf1, libre2-9, libc6 \(>= 2\.\d+\)$/);
    expect(field("Recommends")).toBe("envoy");
    const conffiles = sh("sh", ["-c", `dpkg-deb --ctrl-tarfile '${deb}' | tar -xO ./conffiles`])
      .out.trim()
      .split("\n");
    expect(conffiles).toEqual(["/etc/edgegate/edgegate.yaml", "/etc/edgegate/inputs/README"]);
  });

  test("contents", () => {
    const files = sh("dpkg-deb", ["-c", deb])
      .out.split("\n")
      .map((l) => l.split(/\s+/).slice(5).join(" "))
      .filter((f) => f !== "" && !f.endsWith("/"));
    expect(files.sort()).toEqual(
      [
        "./etc/edgegate/edgegate.yaml",
        "./etc/edgegate/inputs/README",
        "./lib/systemd/system/edgegate-kubeconfig.service",
        "./lib/systemd/system/edgegate.service",
        "./usr/bin/edgegate",
        "./usr/share/doc/edgegate/README.Debian",
        "./usr/share/doc/edgegate/changelog.gz",
        "./usr/share/doc/edgegate/copyright",
        "./usr/share/doc/edgegate/examples/datapath.conf",
        "./usr/share/doc/edgegate/examples/edgegate.yaml",
        "./usr/share/lintian/overrides/edgegate",
        "./usr/share/man/man1/edgegate.1.gz",
      ].sort(),
    );
  });

  test.skipIf(!has("lintian"))(
    "lintian: no errors, no warnings",
    () => {
      const r = sh("lintian", ["--fail-on", "error,warning", deb], { timeout: 240_000 });
      expect(`${r.out}${r.err}`.split("\n").filter((l) => /^[EW]: /.test(l))).toEqual([]);
      expect(r.code).toBe(0);
    },
    250_000,
  );

  test("dpkg -i; the installed binary and configuration; the units verify; purge leaves nothing", async () => {
    const i = sh("dpkg", ["-i", deb], { timeout: 120_000 });
    expect(i.code, i.err).toBe(0);

    // version: the package's, and the binary's agree
    const v = sh("/usr/bin/edgegate", ["version"]);
    expect(v.code).toBe(0);
    expect(v.out.split("\n")[0]).toBe(`edgegate ${version} (bun ${Bun.version}, linux/x64)`);
    expect(v.out).toMatch(/^commit: [0-9a-f]{12}(-dirty)?$/m);

    // the commented default configuration and its empty inputs folder validate as they are
    const val = sh("/usr/bin/edgegate", ["validate", "--config", "/etc/edgegate/edgegate.yaml"]);
    expect(val.err).toContain("ok: 0 objects in 0 file(s)");
    expect(val.code).toBe(0);
    expect(readdirSync("/etc/edgegate/inputs")).toEqual(["README"]);
    expect(sh("getent", ["passwd", "edgegate"]).out).toMatch(/^edgegate:x:\d+:\d+:.*:\/var\/lib\/edgegate:\/usr\/sbin\/nologin$/m);

    // systemd-analyze is part of systemd (every Debian with systemd has it); without it the units
    // cannot be verified here, which is a failure of this test, not a pass.
    expect(has("systemd-analyze"), "systemd-analyze is needed to verify the installed units").toBe(true);
    const verify = sh("systemd-analyze", ["verify", ...units.map((u) => `/lib/systemd/system/${u}`)]);
    expect(verify.out + verify.err).toBe("");
    expect(verify.code).toBe(0);

    await runAsTheUnitWould();

    const p = sh("dpkg", ["--purge", "edgegate"], { timeout: 120_000 });
    expect(p.code, p.err).toBe(0);
    expect(installed()).toBe(false);
    expect(sh("getent", ["passwd", "edgegate"]).code).not.toBe(0);
    expect(sh("getent", ["group", "edgegate"]).code).not.toBe(0);
    expect(leftovers()).toEqual(before);
  }, 180_000);
});

/**
 * The installed service, started the way edgegate.service starts it, without systemd as PID 1:
 * the unit's User, AmbientCapabilities and bounding set (setpriv), its RuntimeDirectory and
 * StateDirectory made as systemd makes them. It must start healthy-but-empty on the installed
 * configuration, read /etc/edgegate as that user, and hold exactly the unit's capabilities.
 */
async function runAsTheUnitWould(): Promise<void> {
  const unit = parseUnit(readFileSync("/lib/systemd/system/edgegate.service", "utf8"));
  const user = setting(unit, "Service", "User") ?? "";
  const caps = listSetting(unit, "Service", "AmbientCapabilities");
  const bounding = listSetting(unit, "Service", "CapabilityBoundingSet");
  const capArg = (list: string[]): string => ["-all", ...list.map((c) => "+" + c.replace(/^CAP_/, "").toLowerCase())].join(",");
  for (const dir of ["/run/edgegate", "/var/lib/edgegate"]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    sh("chown", [`${user}:${user}`, dir]);
  }
  const port = await freePort();
  const exec = (setting(unit, "Service", "ExecStart") ?? "").split(" ");
  const child = Bun.spawn(
    [
      "setpriv",
      `--reuid=${user}`,
      `--regid=${user}`,
      "--init-groups",
      `--inh-caps=${capArg(caps)}`,
      `--ambient-caps=${capArg(caps)}`,
      `--bounding-set=${capArg(bounding)}`,
      "--no-new-privs",
      ...exec,
      "--health-address",
      `127.0.0.1:${port}`,
      "--admin-address",
      "127.0.0.1:0",
      "--envoy",
      "/nonexistent/envoy",
    ],
    { cwd: "/var/lib/edgegate", stdout: "pipe", stderr: "pipe" },
  );
  try {
    let live = 0;
    for (let t = 0; t < 100 && live !== 200; t++) {
      await Bun.sleep(100);
      live = await fetch(`http://127.0.0.1:${port}/livez`).then(
        (r) => r.status,
        () => 0,
      );
    }
    expect(live).toBe(200);
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const uid = Number(sh("id", ["-u", user]).out.trim());
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(uid));
    // CapEff as a mask: exactly the unit's capabilities (CAP_NET_BIND_SERVICE is bit 10)
    const bits: Record<string, number> = { CAP_NET_BIND_SERVICE: 10, CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21, CAP_PERFMON: 38, CAP_BPF: 39 };
    const mask = caps.reduce((m, c) => m | (1n << BigInt(bits[c] ?? 63)), 0n);
    expect(BigInt(`0x${/^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? "0"}`)).toBe(mask);
    // /livez answers from its own thread as soon as the process starts; the xDS socket comes once
    // the inputs are read, a moment later (longer on a loaded machine).
    for (let t = 0; t < 100 && !existsSync("/run/edgegate/xds.sock"); t++) await Bun.sleep(100);
    expect(existsSync("/run/edgegate/xds.sock")).toBe(true);
  } finally {
    child.kill("SIGTERM");
    await child.exited;
    rmSync("/run/edgegate", { recursive: true, force: true });
  }
}
