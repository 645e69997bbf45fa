// "Never leave an orphaned Envoy behind": SIGKILL the process that supervises the Envoy double
// (no handler can run) and check the double dies with it. The control case, without the guard,
// shows the test can tell the difference.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { renderBootstrap } from "../../src/envoy/bootstrap.ts";
import { processAlive, scratch, waitFor } from "../doubles/harness.ts";

const leftovers: number[] = [];
afterAll(() => {
  for (const pid of leftovers) if (processAlive(pid)) process.kill(pid, "SIGKILL");
});

async function hostWithEnvoy(orphanGuard: "pdeathsig" | "none"): Promise<{ host: ReturnType<typeof Bun.spawn>; envoyPid: number }> {
  const s = scratch();
  const spec = {
    envoy: s.config.envoy,
    bootstrap: renderBootstrap(s.config),
    bootstrapPath: join(s.dir, "bootstrap.json"),
    env: { PATH: process.env.PATH ?? "" },
    orphanGuard,
  };
  const host = Bun.spawn([process.execPath, join(import.meta.dir, "../doubles/supervisor-host.ts"), JSON.stringify(spec)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = host.stdout.getReader();
  let text = "";
  const deadline = Date.now() + 5000;
  while (!/READY (\d+)\n/.test(text)) {
    if (Date.now() > deadline) throw new Error(`host never reported ready: ${text}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`host exited early: ${text}`);
    text += new TextDecoder().decode(value);
  }
  const envoyPid = Number(/READY (\d+)\n/.exec(text)![1]);
  leftovers.push(envoyPid);
  return { host, envoyPid };
}

describe("orphan guard", () => {
  test("Envoy dies when edgegate is SIGKILLed (setpriv --pdeathsig KILL)", async () => {
    const { host, envoyPid } = await hostWithEnvoy("pdeathsig");
    expect(processAlive(envoyPid)).toBe(true);
    // PDEATHSIG fires when the spawning thread exits, not only the process: make sure it does not
    // fire while edgegate is alive.
    await Bun.sleep(300);
    expect(processAlive(envoyPid)).toBe(true);
    host.kill("SIGKILL");
    await host.exited;
    await waitFor(`envoy double ${envoyPid} to die`, () => !processAlive(envoyPid), 3000);
  });

  test("control: without the guard the Envoy double outlives a SIGKILLed edgegate", async () => {
    const { host, envoyPid } = await hostWithEnvoy("none");
    host.kill("SIGKILL");
    await host.exited;
    await Bun.sleep(500);
    expect(processAlive(envoyPid)).toBe(true);
    process.kill(envoyPid, "SIGKILL");
  });
});
