// The compiled binary across its own crash, an upgrade of itself and an Envoy hot restart, with a
// client opening a new connection every 10 ms to a socket the Envoy *process* double binds (the
// double is no Envoy: it proves sockets and process lifecycle, never routing). Every connection
// must be accepted: 0 failed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../doubles/harness.ts";
import { bin, connectEvery10ms, lab, upgradeEnvoyBinary } from "./lifecycle-lab.ts";

const started: Array<{ kill(sig?: number | NodeJS.Signals): void }> = [];
const pids: number[] = [];
afterAll(() => {
  for (const p of started) p.kill("SIGKILL");
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh (it builds the binary) before the tests`);
  if (!existsSync("/usr/bin/python3")) throw new Error("/usr/bin/python3 is missing: the Envoy process double needs it");
});

/** Zombie-aware: a killed process is dead even before init reaps it. */
const alive = processAlive;

describe("dist/edgegate: Envoy keeps serving while edgegate crashes, upgrades and hot-restarts Envoy", () => {
  test("SIGKILL edgegate and start it again: 0 failed connections, the same Envoy adopted, SIGTERM stops it", async () => {
    const l = await lab();
    const eg1 = l.start();
    started.push(eg1);
    const s1 = await l.waitStatus("envoy ready", (s) => s.envoy.phase === "ready");
    const pid = s1.envoy.pid!;
    pids.push(pid);
    const client = connectEvery10ms(l.listenPort);
    await Bun.sleep(300);
    eg1.kill("SIGKILL");
    await eg1.exited;
    await Bun.sleep(500); // edgegate is down: Envoy alone serves
    expect(alive(pid)).toBe(true);
    const eg2 = l.start();
    started.push(eg2);
    const s2 = await l.waitStatus("envoy adopted and ready", (s) => s.envoy.phase === "ready" && s.envoy.adopted === true);
    expect(s2.envoy.pid).toBe(pid);
    await Bun.sleep(300);
    const r = await client.stop();
    console.info(`edgegate SIGKILL + restart: ${r.ok} connections answered, ${r.failed.length} failed`);
    expect(r.failed).toEqual([]);
    expect(r.ok).toBeGreaterThan(60);
    expect([...r.answers.keys()]).toEqual([`epoch 0 pid ${pid}`]);
    expect(l.events().filter((e) => e.event === "start")).toHaveLength(1);

    eg2.kill("SIGTERM");
    expect(await eg2.exited).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(l.dir, "run/envoy.pid.json"))).toBe(false);
  }, 30_000);

  test("a new bootstrap, then a new Envoy binary: hot restarts with 0 failed connections; the parents drain and exit", async () => {
    const l = await lab();
    const eg1 = l.start();
    started.push(eg1);
    const s1 = await l.waitStatus("envoy ready", (s) => s.envoy.phase === "ready");
    const pid0 = s1.envoy.pid!;
    pids.push(pid0);
    const client = connectEvery10ms(l.listenPort);
    await Bun.sleep(200);

    // An upgrade of edgegate that also changes the bootstrap: SIGUSR2 leaves Envoy running.
    eg1.kill("SIGUSR2");
    expect(await eg1.exited).toBe(0);
    l.setEnvoy({ maxDownstreamConnections: 40000 });
    const eg2 = l.start();
    started.push(eg2);
    const s2 = await l.waitStatus("hot restart to epoch 1", (s) => s.envoy.phase === "ready" && s.envoy.restartEpoch === 1);
    const pid1 = s2.envoy.pid!;
    pids.push(pid1);
    expect(s2.envoy.lastHotRestart).toMatchObject({ fromPid: pid0, toPid: pid1, reason: "the bootstrap changed" });
    const deadline = Date.now() + 8000;
    while (alive(pid0) && Date.now() < deadline) await Bun.sleep(50);
    expect(alive(pid0)).toBe(false); // drained and told to exit by its child

    // An Envoy package upgrade: a new binary file; edgegate crashes and restarts.
    upgradeEnvoyBinary(l);
    eg2.kill("SIGKILL");
    await eg2.exited;
    const eg3 = l.start();
    started.push(eg3);
    const s3 = await l.waitStatus("hot restart to epoch 2", (s) => s.envoy.phase === "ready" && s.envoy.restartEpoch === 2);
    const pid2 = s3.envoy.pid!;
    pids.push(pid2);
    expect(s3.envoy.lastHotRestart?.reason).toContain("the Envoy binary changed");
    await Bun.sleep(300);
    const r = await client.stop();
    console.info(`two Envoy hot restarts: ${r.ok} connections answered, ${r.failed.length} failed`);
    expect(r.failed).toEqual([]);
    expect(r.ok).toBeGreaterThan(60);
    // Every epoch answered some connections, and the sockets were never closed in between.
    expect([...r.answers.keys()].sort()).toEqual([`epoch 0 pid ${pid0}`, `epoch 1 pid ${pid1}`, `epoch 2 pid ${pid2}`]);
    const ev = l.events();
    expect(ev.filter((e) => e.event === "took-over").map((e) => e.epoch)).toEqual([1, 2]);

    eg3.kill("SIGTERM");
    expect(await eg3.exited).toBe(0);
    const deadline2 = Date.now() + 8000;
    while ((alive(pid1) || alive(pid2)) && Date.now() < deadline2) await Bun.sleep(50);
    expect([alive(pid1), alive(pid2)]).toEqual([false, false]);
  }, 60_000);

  test("a hot restart whose new Envoy fails: the old one keeps serving and is supervised again", async () => {
    const l = await lab();
    const eg1 = l.start();
    started.push(eg1);
    const pid0 = (await l.waitStatus("envoy ready", (s) => s.envoy.phase === "ready")).envoy.pid!;
    pids.push(pid0);
    const client = connectEvery10ms(l.listenPort);
    eg1.kill("SIGKILL");
    await eg1.exited;
    l.setEnvoy({ maxDownstreamConnections: 40000 });
    const eg2 = Bun.spawn([bin, "run", "--config", l.configPath], {
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
      env: { ...l.env, FAKE_ENVOY_FAIL_HOT_RESTART: "1" },
    });
    started.push(eg2);
    const s = await l.waitStatus("the parent adopted again", (st) => st.envoy.phase === "ready" && st.envoy.pid === pid0 && st.envoy.restarts >= 1);
    expect(s.envoy.adopted).toBe(true);
    await Bun.sleep(300);
    const r = await client.stop();
    expect(r.failed).toEqual([]);
    expect([...r.answers.keys()]).toEqual([`epoch 0 pid ${pid0}`]);
    expect(l.events().some((e) => e.event === "exit" && e.epoch === 1)).toBe(true);
    eg2.kill("SIGTERM");
    expect(await eg2.exited).toBe(0);
    expect(alive(pid0)).toBe(false);
  }, 30_000);

  test("edgegate stop finds and stops an Envoy a killed edgegate left running", async () => {
    const l = await lab();
    const eg = l.start();
    started.push(eg);
    const s = await l.waitStatus("envoy ready", (st) => st.envoy.phase === "ready");
    const pid = s.envoy.pid!;
    pids.push(pid);
    eg.kill("SIGKILL");
    await eg.exited;
    expect(alive(pid)).toBe(true);
    const r = Bun.spawnSync([bin, "stop", "--config", l.configPath], { stdout: "pipe", stderr: "pipe" });
    expect(r.stdout.toString()).toContain(`envoy pid ${pid}: SIGTERM`);
    expect(r.exitCode).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(l.dir, "run/envoy.pid.json"))).toBe(false);
  }, 30_000);
});
