// The DaemonSet arrangement: a container restart kills every process the container started, so an
// Envoy that edgegate starts itself dies with edgegate's container; Envoy in its own container
// (`edgegate launcher`, asked over a Unix socket in the shared runtime folder) survives it.
// A cgroup v2 stands in for edgegate's container and cgroup.kill for its restart, exactly what a
// container runtime does; a separate launcher process stands in for Envoy's container.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../doubles/harness.ts";
import { bin, connectEvery10ms, lab, type Lab } from "./lifecycle-lab.ts";

const cgroupRoot = "/sys/fs/cgroup/unified";
const canRun = process.getuid?.() === 0 && existsSync(join(cgroupRoot, "cgroup.procs")) && existsSync("/usr/bin/python3");
const procs: Array<{ kill(sig?: number | NodeJS.Signals): void }> = [];
const cgroups: string[] = [];
afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
  for (const cg of cgroups) {
    try {
      writeFileSync(join(cg, "cgroup.kill"), "1");
      await Bun.sleep(100);
      rmdirSync(cg);
    } catch {
      // already gone
    }
  }
});

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh (it builds the binary) before the tests`);
  if (!canRun) console.warn("SKIPPED tests/run/envoy-container.test.ts: needs root, cgroup v2 at /sys/fs/cgroup/unified and /usr/bin/python3");
});

/** A fresh cgroup: edgegate's "container". */
function container(name: string): { dir: string; add(pid: number): void; kill(): void } {
  const dir = join(cgroupRoot, `edgegate-lifecycle-${process.pid}-${name}`);
  mkdirSync(dir, { recursive: true });
  cgroups.push(dir);
  return { dir, add: (pid) => writeFileSync(join(dir, "cgroup.procs"), String(pid)), kill: () => writeFileSync(join(dir, "cgroup.kill"), "1") };
}

const parentOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
};

function startEdgegate(l: Lab, c: ReturnType<typeof container>) {
  const p = l.start();
  c.add(p.pid); // before it has started anything: all it starts lands in the "container"
  procs.push(p);
  return p;
}

describe("Envoy in its own container survives a restart of edgegate's container", () => {
  test.skipIf(!canRun)(
    "control: Envoy started by edgegate itself dies when edgegate's container is killed",
    async () => {
      const l = await lab();
      const c = container("control");
      const eg = startEdgegate(l, c);
      const pid = (await l.waitStatus("envoy ready", (s) => s.envoy.phase === "ready")).envoy.pid!;
      c.kill();
      await eg.exited;
      const deadline = Date.now() + 3000;
      while (processAlive(pid) && Date.now() < deadline) await Bun.sleep(20);
      expect(processAlive(pid)).toBe(false);
    },
    30_000,
  );

  test.skipIf(!canRun)(
    "with envoy.launcher: 0 failed connections across the container kill; the next edgegate adopts Envoy",
    async () => {
      const l = await lab();
      const sock = join(l.dir, "run/launcher.sock");
      const launcher = Bun.spawn([bin, "launcher", "--socket", sock, "--grace", "2"], { stdin: "ignore", stdout: "ignore", stderr: "ignore", env: l.env });
      procs.push(launcher);
      for (let i = 0; i < 100 && !existsSync(sock); i++) await Bun.sleep(20);
      l.setEnvoy({ launcher: `unix://${sock}` });
      const c = container("launcher");
      const eg1 = startEdgegate(l, c);
      const pid = (await l.waitStatus("envoy ready", (s) => s.envoy.phase === "ready")).envoy.pid!;
      expect(parentOf(pid)).toBe(launcher.pid);

      const client = connectEvery10ms(l.listenPort);
      await Bun.sleep(300);
      c.kill(); // edgegate's container restarts: everything in it is killed at once
      await eg1.exited;
      await Bun.sleep(500);
      expect(processAlive(pid)).toBe(true);
      const eg2 = startEdgegate(l, c);
      const s2 = await l.waitStatus("envoy adopted", (s) => s.envoy.phase === "ready" && s.envoy.adopted === true);
      expect(s2.envoy.pid).toBe(pid);
      await Bun.sleep(300);
      const r = await client.stop();
      console.info(`edgegate container killed and restarted, Envoy in the launcher's container: ${r.ok} connections answered, ${r.failed.length} failed`);
      expect(r.failed).toEqual([]);
      expect(r.ok).toBeGreaterThan(60);

      // SIGTERM to edgegate still drains and stops Envoy; then the launcher exits.
      eg2.kill("SIGTERM");
      expect(await eg2.exited).toBe(0);
      const deadline = Date.now() + 3000;
      while (processAlive(pid) && Date.now() < deadline) await Bun.sleep(20);
      expect(processAlive(pid)).toBe(false);
      launcher.kill("SIGTERM");
      expect(await launcher.exited).toBe(0);
    },
    40_000,
  );
});
