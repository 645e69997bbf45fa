// Envoy outlives its control plane: SIGKILL the process that supervises the Envoy double (no
// handler can run), check the double keeps running, and that the next supervisor adopts exactly
// that process (pid record + /proc start time + command line + bootstrap + admin API) instead of
// starting a second one, and stops it on SIGTERM. A record that names someone else's process is
// never signalled; an Envoy of ours whose admin API is dead is replaced.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderBootstrap } from "../../src/envoy/bootstrap.ts";
import { envoyPidFile, type EnvoyRecord } from "../../src/envoy/pid-file.ts";
import { procFacts } from "../../src/envoy/proc.ts";
import { processAlive, readEvents, scratch, waitFor, type Scratch } from "../doubles/harness.ts";

const leftovers: number[] = [];
afterAll(() => {
  for (const pid of leftovers) if (processAlive(pid)) process.kill(pid, "SIGKILL");
});

interface Host {
  proc: ReturnType<typeof Bun.spawn>;
  /** Resolves with the next READY line: the Envoy pid and whether it was adopted. */
  ready(): Promise<{ pid: number; adopted: boolean }>;
}

function host(s: Scratch, env: Record<string, string> = {}): Host {
  const spec = {
    envoy: s.config.envoy,
    bootstrap: renderBootstrap(s.config),
    runtimeDir: join(s.dir, "run"),
    env: { PATH: process.env.PATH ?? "", FAKE_ENVOY_EVENTS: s.eventsFile, ...env },
  };
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "../doubles/supervisor-host.ts"), JSON.stringify(spec)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  leftovers.push(proc.pid);
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  return {
    proc,
    async ready() {
      const deadline = Date.now() + 8000;
      for (;;) {
        const m = /READY (\d+) (adopted|started)\n/.exec(text);
        if (m) {
          text = text.slice(m.index + m[0].length);
          leftovers.push(Number(m[1]));
          return { pid: Number(m[1]), adopted: m[2] === "adopted" };
        }
        if (Date.now() > deadline) throw new Error(`host never reported ready: ${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`host exited early: ${text}`);
        text += new TextDecoder().decode(value);
      }
    },
  };
}

describe("an Envoy outlives its edgegate and is adopted by the next one", () => {
  test("SIGKILL the supervisor: Envoy keeps running, the next supervisor adopts it, SIGTERM stops it", async () => {
    const s = scratch();
    const first = host(s);
    const { pid, adopted } = await first.ready();
    expect(adopted).toBe(false);
    const record = JSON.parse(readFileSync(envoyPidFile(join(s.dir, "run")), "utf8")) as EnvoyRecord;
    expect(record).toMatchObject({ pid, restartEpoch: 0, startTime: procFacts(pid)!.startTime });

    first.proc.kill("SIGKILL");
    await first.proc.exited;
    await Bun.sleep(300);
    expect(processAlive(pid)).toBe(true);

    const second = host(s);
    expect(await second.ready()).toEqual({ pid, adopted: true });
    // Adopted, not restarted: the double was started exactly once.
    expect(readEvents(s.eventsFile).filter((e) => e.event === "start")).toHaveLength(1);

    second.proc.kill("SIGTERM");
    await second.proc.exited;
    await waitFor(`envoy double ${pid} to stop`, () => !processAlive(pid), 3000);
    expect(readEvents(s.eventsFile).map((e) => e.event)).toContain("sigterm");
    expect(existsSync(envoyPidFile(join(s.dir, "run")))).toBe(false);
  }, 20_000);

  test("SIGUSR2 (upgrade of edgegate) leaves Envoy running and recorded", async () => {
    const s = scratch();
    const first = host(s);
    const { pid } = await first.ready();
    first.proc.kill("SIGUSR2");
    expect(await first.proc.exited).toBe(0);
    expect(processAlive(pid)).toBe(true);
    expect(existsSync(envoyPidFile(join(s.dir, "run")))).toBe(true);
    const second = host(s);
    expect(await second.ready()).toEqual({ pid, adopted: true });
    second.proc.kill("SIGTERM");
    await second.proc.exited;
    await waitFor("envoy double to stop", () => !processAlive(pid), 3000);
  }, 20_000);

  test("the adopted Envoy dies: it is restarted like a child of ours", async () => {
    const s = scratch();
    const first = host(s);
    const { pid } = await first.ready();
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    const second = host(s);
    expect(await second.ready()).toEqual({ pid, adopted: true });
    process.kill(pid, "SIGKILL");
    const next = await second.ready();
    expect(next.pid).not.toBe(pid);
    expect(next.adopted).toBe(false);
    second.proc.kill("SIGTERM");
    await second.proc.exited;
    await waitFor("envoy double to stop", () => !processAlive(next.pid), 3000);
  }, 20_000);

  test("a record naming another process (pid reuse) is not trusted, and that process is not signalled", async () => {
    const s = scratch();
    const stranger = Bun.spawn(["sleep", "30"]);
    leftovers.push(stranger.pid);
    const runtimeDir = join(s.dir, "run");
    const first = host(s);
    const { pid } = await first.ready();
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    process.kill(pid, "SIGKILL");
    await waitFor("double gone", () => !processAlive(pid));
    // The old record now names the stranger's pid, with the stranger's real start time.
    const record = JSON.parse(readFileSync(envoyPidFile(runtimeDir), "utf8")) as EnvoyRecord;
    writeFileSync(envoyPidFile(runtimeDir), JSON.stringify({ ...record, pid: stranger.pid, startTime: procFacts(stranger.pid)!.startTime }));
    const second = host(s);
    const next = await second.ready();
    expect(next.adopted).toBe(false);
    expect(next.pid).not.toBe(stranger.pid);
    second.proc.kill("SIGTERM");
    await second.proc.exited;
    expect(processAlive(stranger.pid)).toBe(true);
    stranger.kill();
  }, 20_000);

  test("an Envoy of ours whose admin API is dead is killed and replaced", async () => {
    const s = scratch();
    const first = host(s);
    const { pid } = await first.ready();
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    // Its admin socket disappears: it can no longer be drained or asked whether it is ready.
    const adminSock = s.config.envoy.adminAddress.kind === "unix" ? s.config.envoy.adminAddress.path : "";
    (await import("node:fs")).rmSync(adminSock);
    const second = host(s);
    const next = await second.ready();
    expect(next).toMatchObject({ adopted: false });
    expect(next.pid).not.toBe(pid);
    expect(processAlive(pid)).toBe(false);
    second.proc.kill("SIGTERM");
    await second.proc.exited;
  }, 20_000);
});
