// Supervision against the Envoy test double (tests/doubles/fake-envoy.ts): start, readiness,
// log forwarding, restart with backoff, drain-then-stop, SIGKILL after the grace period.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, statSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EnvoySupervisor, type SupervisorOptions } from "../../src/envoy/supervisor.ts";
import { renderBootstrap } from "../../src/envoy/bootstrap.ts";
import type { EnvoyPhase } from "../../src/envoy/state.ts";
import { installFakeEnvoy } from "../doubles/fake-envoy-bin.ts";
import { captureLogger, readEvents, scratch, waitFor, type Scratch } from "../doubles/harness.ts";

const running: EnvoySupervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop({ drain: false })));
});

function supervise(s: Scratch, env: Record<string, string> = {}, extra: Partial<SupervisorOptions> = {}) {
  const cap = captureLogger();
  const sup = new EnvoySupervisor({
    envoy: s.config.envoy,
    bootstrap: renderBootstrap(s.config),
    runtimeDir: join(s.dir, "run"),
    logger: cap.logger,
    env: { PATH: process.env.PATH ?? "", FAKE_ENVOY_EVENTS: s.eventsFile, ...env },
    timing: { readyPollMs: 25, adminTimeoutMs: 500, killGraceMs: 2000, notFoundRecheckMs: 100, backoff: { initialMs: 100, maxMs: 1000, resetAfterMs: 60_000 } },
    ...extra,
  });
  running.push(sup);
  const phases: EnvoyPhase[] = [];
  sup.onChange((st) => {
    if (phases.at(-1) !== st.phase) phases.push(st.phase);
  });
  return { sup, logs: cap.lines, phases };
}

describe("EnvoySupervisor with the Envoy double", () => {
  test("no binary: not-found with install instructions, nothing thrown", async () => {
    const s = scratch();
    s.config.envoy.path = join(s.dir, "no-such-envoy");
    const { sup, logs } = supervise(s);
    sup.start();
    await waitFor("not-found", () => sup.state().phase === "not-found");
    const st = sup.state();
    expect(st.message).toContain("not found");
    expect(st.message).toContain("apt.envoyproxy.io");
    expect(st.message).toContain("func-e");
    expect(st.pid).toBeUndefined();
    expect(logs().some((l) => l.level === "error" && String(l.msg).includes("not found"))).toBe(true);
    await sup.stop();
    expect(sup.state().phase).toBe("stopped");
  });

  test("a binary installed later is picked up without restarting edgegate", async () => {
    const s = scratch();
    const bin = join(s.dir, "bin");
    mkdirSync(bin);
    s.config.envoy.path = "envoy";
    const { sup } = supervise(s, { PATH: bin });
    sup.start();
    await waitFor("not-found", () => sup.state().phase === "not-found");
    installFakeEnvoy(bin);
    await waitFor("ready", () => sup.state().phase === "ready");
    expect(sup.state().binary).toBe(join(bin, "envoy"));
  });

  test("found on PATH, started with the expected argv, becomes ready, logs forwarded", async () => {
    const s = scratch();
    s.config.envoy.path = "envoy";
    s.config.envoy.drainSeconds = 7;
    s.config.envoy.args = ["--component-log-level", "upstream:debug"];
    const { sup, logs } = supervise(s, { PATH: `${s.dir}:${process.env.PATH ?? ""}` });
    sup.start();
    await waitFor("ready", () => sup.state().phase === "ready");
    const st = sup.state();
    expect(st.binary).toBe(s.envoyPath);
    expect(st.pid).toBeGreaterThan(0);
    expect(st.restarts).toBe(0);
    expect(st.readySince).toBeString();

    const start = readEvents(s.eventsFile).find((e) => e.event === "start")!;
    expect(start.pid).toBe(st.pid!);
    const argv = start.argv as string[];
    const bootstrap = argv[1]!;
    expect(bootstrap).toStartWith(join(s.dir, "run", "envoy-bootstrap-"));
    expect(argv.slice(2, 6)).toEqual(["--drain-time-s", "7", "--parent-shutdown-time-s", "9"]);
    expect(argv.slice(argv.indexOf("--restart-epoch"), argv.indexOf("--restart-epoch") + 2)).toEqual(["--restart-epoch", "0"]);
    expect(argv[argv.indexOf("--log-format") + 1]).toContain('"msg":"%j"');
    expect(argv.slice(-2)).toEqual(["--component-log-level", "upstream:debug"]);

    expect(statSync(bootstrap).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(bootstrap, "utf8")).node.id).toBe("test-node");

    await waitFor("forwarded logs", () => logs().some((l) => l.component === "envoy" && l.msg === "initializing epoch 0 (fake envoy)"));
    const line = logs().find((l) => l.msg === "initializing epoch 0 (fake envoy)")!;
    expect(line).toMatchObject({ level: "info", component: "envoy", envoy_logger: "main", stream: "stderr", pid: st.pid! });
    await waitFor("stdout line", () => logs().some((l) => l.msg === "a plain stdout line" && l.stream === "stdout"));
  });

  test("not ready while /ready says INITIALIZING", async () => {
    const s = scratch();
    const { sup, phases } = supervise(s, { FAKE_ENVOY_READY_AFTER_MS: "500" });
    sup.start();
    await waitFor("running", () => sup.state().phase === "running");
    expect(sup.state().message).toBe("admin /ready answered 503 INITIALIZING");
    await waitFor("ready", () => sup.state().phase === "ready");
    expect(phases).toEqual(["starting", "running", "ready"]);
  });

  test("crashes are restarted with doubling backoff and recorded", async () => {
    const s = scratch();
    const { sup, phases } = supervise(s, {
      FAKE_ENVOY_CRASH_TIMES: "3",
      FAKE_ENVOY_COUNTER: join(s.dir, "count"),
      FAKE_ENVOY_EXIT_CODE: "3",
      FAKE_ENVOY_CRASH_AFTER_MS: "30",
      // Crashing runs die before they could report ready.
      FAKE_ENVOY_READY_AFTER_MS: "150",
    });
    sup.start();
    await waitFor("ready after 3 crashes", () => sup.state().phase === "ready" && sup.state().restarts === 3, 10_000);
    const st = sup.state();
    expect(st.restarts).toBe(3);
    expect(st.lastExit).toMatchObject({ code: 3, signal: null });
    expect(phases).toContain("backoff");

    const events = readEvents(s.eventsFile);
    const exits = events.filter((e) => e.event === "exit");
    const starts = events.filter((e) => e.event === "start");
    expect(starts.length).toBe(4);
    // Backoff 100, 200, 400 ms between an exit and the next start (plus process start-up).
    const gaps = exits.map((e, i) => starts[i + 1]!.t - e.t);
    expect(gaps[0]!).toBeGreaterThanOrEqual(100);
    expect(gaps[1]!).toBeGreaterThanOrEqual(200);
    expect(gaps[2]!).toBeGreaterThanOrEqual(400);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]!);
  });

  test("an Envoy that dies while ready goes to backoff, then ready again", async () => {
    const s = scratch();
    const { sup } = supervise(s);
    sup.start();
    await waitFor("ready", () => sup.state().phase === "ready");
    const firstPid = sup.state().pid!;
    const sock = s.config.envoy.adminAddress.kind === "unix" ? s.config.envoy.adminAddress.path : "";
    await fetch("http://localhost/fake/exit?code=7", { method: "POST", unix: sock });
    await waitFor("backoff", () => sup.state().phase === "backoff");
    expect(sup.state().lastExit?.code).toBe(7);
    expect(sup.state().nextStartAt).toBeString();
    await waitFor("ready again", () => sup.state().phase === "ready" && sup.state().pid !== firstPid);
    expect(sup.state().restarts).toBe(1);
  });

  test("stop drains listeners, waits drainSeconds, then SIGTERM", async () => {
    const s = scratch();
    s.config.envoy.drainSeconds = 1;
    const { sup, phases } = supervise(s);
    sup.start();
    await waitFor("ready", () => sup.state().phase === "ready");
    const t0 = Date.now();
    const stopping = sup.stop();
    await waitFor("draining", () => sup.state().phase === "draining");
    await stopping;
    const events = readEvents(s.eventsFile);
    const drain = events.find((e) => e.event === "drain")!;
    const term = events.find((e) => e.event === "sigterm")!;
    expect(drain.query).toBe("?graceful");
    expect(term.t - drain.t).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(sup.state()).toMatchObject({ phase: "stopped", lastExit: { code: 0, signal: null } });
    expect(phases.slice(-2)).toEqual(["draining", "stopped"]);
    expect(sup.state().restarts).toBe(0);
  });

  test("a second stop without drain cuts the drain period short", async () => {
    const s = scratch();
    s.config.envoy.drainSeconds = 30;
    const { sup } = supervise(s);
    sup.start();
    await waitFor("ready", () => sup.state().phase === "ready");
    const first = sup.stop();
    await waitFor("drain requested", () => readEvents(s.eventsFile).some((e) => e.event === "drain"));
    const t0 = Date.now();
    await sup.stop({ drain: false });
    await first;
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(sup.state()).toMatchObject({ phase: "stopped", lastExit: { code: 0 } });
  });

  test("an Envoy that ignores SIGTERM is SIGKILLed after the grace period", async () => {
    const s = scratch();
    const { sup, logs } = supervise(
      s,
      { FAKE_ENVOY_IGNORE_SIGTERM: "1" },
      {
        timing: { readyPollMs: 25, killGraceMs: 300, backoff: { initialMs: 100, maxMs: 1000, resetAfterMs: 60_000 } },
      },
    );
    sup.start();
    await waitFor("ready", () => sup.state().phase === "ready");
    const t0 = Date.now();
    await sup.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(sup.state().lastExit).toMatchObject({ code: null, signal: "SIGKILL" });
    expect(readEvents(s.eventsFile).some((e) => e.event === "sigterm")).toBe(true);
    expect(logs().some((l) => l.msg === "envoy ignored SIGTERM; sending SIGKILL")).toBe(true);
  });

  test("stop during backoff returns promptly and does not restart", async () => {
    const s = scratch();
    const { sup } = supervise(
      s,
      { FAKE_ENVOY_CRASH_TIMES: "100", FAKE_ENVOY_COUNTER: join(s.dir, "count") },
      {
        timing: { readyPollMs: 25, backoff: { initialMs: 10_000, maxMs: 10_000, resetAfterMs: 60_000 } },
      },
    );
    sup.start();
    await waitFor("backoff", () => sup.state().phase === "backoff");
    const t0 = Date.now();
    await sup.stop();
    expect(Date.now() - t0).toBeLessThan(500);
    expect(sup.state().phase).toBe("stopped");
    await Bun.sleep(100);
    expect(readEvents(s.eventsFile).filter((e) => e.event === "start").length).toBe(1);
  });
});
