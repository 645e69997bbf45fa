// sk_lookup mode end to end through the appliance's own wiring: the real startAppliance (file
// source -> steering intent -> datapath; EnvoySupervisor -> envoy-sockets registrar) runs in a
// gateway namespace with a stand-in Envoy binary. A client in another namespace connects to the
// Gateway address; the connection must land on the stand-in's socket with the client's address,
// and again after the stand-in is SIGKILLed and the supervisor starts a new one (new pid, new
// socket). Namespaces, pins, processes and the temp folder are removed afterwards.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupPins } from "../../src/datapath/pins.ts";
import type { DatapathStatus } from "../../src/datapath/datapath.ts";
import type { EnvoyState } from "../../src/envoy/state.ts";
import { BIN, BUN, Lines, cannotRun, createPair, type Pair } from "./netns.ts";
import { edgegateClass, gateway } from "../helpers/manifests.ts";

const why = cannotRun();
if (why) console.warn(`\n*** SKIPPED tests/datapath/sklookup-appliance.test.ts: ${why} ***\n`);
const bpffs = `/sys/fs/bpf/edgegate-skapp-${process.pid}`;

const INPUTS = `${edgegateClass}---
${gateway({ name: "public", namespace: "web", extra: "  addresses: [{type: IPAddress, value: 10.200.0.10}]\n", listeners: "[{name: http, protocol: HTTP, port: 80}]" })}`;

interface Status {
  envoy: EnvoyState;
  datapath: DatapathStatus;
}
interface Landed {
  ok: boolean;
  error?: string;
  server?: { pid: number; listener: string; remote: string; local: string; localPort: number };
}

describe.skipIf(why !== undefined)("sk_lookup mode through the appliance", () => {
  let pair: Pair;
  let app: Lines | undefined;
  let dir: string;
  const envoyPids = new Set<number>();
  const status = async (): Promise<Status> => {
    app!.send("status");
    return (JSON.parse(await app!.next()) as { status: Status }).status;
  };
  /** Polls /status until Envoy's port-80 socket is registered for a pid other than `not`. */
  const registered = async (not?: number): Promise<Status> => {
    const until = Date.now() + 15_000;
    for (;;) {
      const s = await status();
      if (s.envoy.pid) envoyPids.add(s.envoy.pid);
      const l = s.datapath.listeners?.find((x) => x.family === 4 && x.port === 80);
      if (l?.state === "registered" && l.pid === s.envoy.pid && l.pid !== not) return s;
      if (Date.now() > until)
        throw new Error(`not registered: ${JSON.stringify({ envoy: s.envoy, listeners: s.datapath.listeners })}\n${app!.stderr.join("")}`);
      await Bun.sleep(100);
    }
  };
  const connect = (): Landed => {
    const r = pair.run(pair.client, [BUN, join(BIN, "client.ts"), JSON.stringify([{ host: "10.200.0.10", port: 80, src: "10.200.0.2" }])]);
    return (JSON.parse(r.stdout) as Landed[])[0]!;
  };

  beforeAll(async () => {
    pair = createPair("ska");
    dir = mkdtempSync(join(tmpdir(), "edgegate-skapp-"));
    mkdirSync(join(dir, "inputs"));
    writeFileSync(join(dir, "inputs", "gateway.yaml"), INPUTS);
    // The "Envoy binary": binds 10.200.0.10:80, the socket the generated Listener describes (the
    // steering target is that socket too); the steering counter proves sk_lookup assigned it.
    const envoy = join(dir, "envoy");
    writeFileSync(envoy, `#!/bin/sh\nexec ${BUN} ${join(BIN, "standin-envoy.ts")} 10.200.0.10:80 -- "$@"\n`);
    chmodSync(envoy, 0o755);
    app = new Lines(
      pair.exec(pair.gw, [BUN, join(BIN, "appliance.ts"), JSON.stringify({ dir, bpffs, envoy, mode: "sklookup", nodeAddresses: ["10.200.0.10"] })]),
    );
    const ready = JSON.parse(await app.next(20_000)) as { op: string };
    expect(ready.op).toBe("ready");
  }, 30_000);

  afterAll(async () => {
    // the stand-in dies with the appliance (parent-death signal); killed here too in case it did not
    app?.send("stop");
    await app?.next(5000).catch(() => "");
    app?.child.kill("SIGKILL");
    for (const pid of envoyPids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    cleanupPins(bpffs);
    pair?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  test("Envoy's socket is registered and shown in /status; a client lands on it with its own address", async () => {
    const s = await registered();
    expect(s.datapath).toMatchObject({ mode: "sklookup", enabled: true });
    expect(s.datapath.listeners).toEqual([
      expect.objectContaining({ family: 4, address: "10.200.0.10", port: 80, state: "registered", pid: s.envoy.pid, socket: "10.200.0.10:80" }),
    ]);
    const label = "steer web/public/http 10.200.0.10:80 -> 10.200.0.10:80";
    const conns = (st: Status): number | undefined => st.datapath.counters.find((c) => c.label === label)?.conns;
    const before = conns(s);
    expect(before).toBeDefined();
    const r = connect();
    expect(r).toMatchObject({ ok: true, server: { pid: s.envoy.pid, listener: "10.200.0.10:80", remote: "10.200.0.2", local: "10.200.0.10", localPort: 80 } });
    expect(conns(await status())).toBe(before! + 1);
  }, 30_000);

  test("after Envoy is killed and restarted, registration follows the new process", async () => {
    const before = (await registered()).envoy;
    process.kill(before.pid!, "SIGKILL");
    const after = (await registered(before.pid)).envoy;
    expect(after.pid).not.toBe(before.pid);
    expect(after.restarts).toBe(before.restarts + 1);
    const r = connect();
    expect(r).toMatchObject({ ok: true, server: { pid: after.pid, remote: "10.200.0.2", local: "10.200.0.10", localPort: 80 } });
  }, 30_000);
});
