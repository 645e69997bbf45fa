// Two edgegate instances (separate processes) elect one status writer through a Lease; when the
// leader is SIGKILLed the other takes over within the lease duration, and when it stops gracefully
// it hands the lease over at once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { ApiServer, apiServerAvailable } from "./apiserver.ts";
import * as f from "./fixtures.ts";
import { until } from "./pipeline.ts";

const available = apiServerAvailable();
const leaseMs = 3000;

interface Instance {
  name: string;
  proc: Subprocess<"ignore", "pipe", "inherit">;
  leader: boolean;
  changes: Array<{ leader: boolean; at: number }>;
}

function launch(api: ApiServer, name: string): Instance {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "bin/instance.ts"), api.kubeconfig, name, String(leaseMs)], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const inst: Instance = { name, proc, leader: false, changes: [] };
  void (async () => {
    let buf = "";
    for await (const chunk of proc.stdout) {
      buf += new TextDecoder().decode(chunk);
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = JSON.parse(buf.slice(0, nl)) as { leader?: boolean; at: number };
        buf = buf.slice(nl + 1);
        if (line.leader !== undefined) {
          inst.leader = line.leader;
          inst.changes.push({ leader: line.leader, at: line.at });
        }
      }
    }
  })();
  return inst;
}

async function routeStatusGeneration(api: ApiServer, name: string): Promise<number | undefined> {
  const st = (await api.get(f.httpRoute(name))).status as { parents?: Array<{ conditions: Array<{ observedGeneration?: number }> }> } | undefined;
  return st?.parents?.[0]?.conditions[0]?.observedGeneration;
}

describe.skipIf(!available)("status writer leader election", () => {
  const api = new ApiServer();
  const all: Instance[] = [];

  beforeAll(async () => {
    await api.start();
    await api.applyCrds(["gatewayclasses", "gateways", "httproutes"]);
    for (const o of [
      f.node("node-a", {}),
      f.node("node-b", {}),
      f.node("node-c", {}),
      f.gatewayClass(),
      f.gateway(),
      f.service(),
      f.endpointSlice(),
      f.httpRoute("a"),
    ])
      await api.create(o);
  }, 60_000);

  afterAll(async () => {
    for (const i of all) i.proc.kill("SIGKILL");
    await Promise.all(all.map((i) => i.proc.exited));
    await api.stop();
  });

  test("one of two instances writes status; the other takes over within the lease duration when it is killed", async () => {
    const a = launch(api, "node-a");
    all.push(a);
    await until("node-a leads", () => a.leader, 20_000);
    const b = launch(api, "node-b");
    all.push(b);
    await until("route status written", async () => (await routeStatusGeneration(api, "a")) === 1);
    await Bun.sleep(leaseMs); // b has been watching the lease for a full term: it must not have taken it
    expect(a.leader).toBe(true);
    expect(b.leader).toBe(false);
    expect(b.changes).toEqual([]);

    const killedAt = Date.now();
    a.proc.kill("SIGKILL");
    await until("node-b leads", () => b.leader, leaseMs * 3);
    const takeover = b.changes[0]!.at - killedAt;
    console.log(`lease takeover after SIGKILL: ${takeover} ms (lease ${leaseMs} ms)`);
    // Worst case is the lease duration after the leader's last renewal, which was before the kill.
    expect(takeover).toBeLessThanOrEqual(leaseMs + 250);

    // The new leader writes: a spec change is reflected in status by node-b.
    await api.update(f.httpRoute("a"), (o) => {
      (o.spec as { hostnames?: string[] }).hostnames = ["a.example"];
    });
    await until("status follows generation 2 under the new leader", async () => (await routeStatusGeneration(api, "a")) === 2);
  }, 60_000);

  test("a leader that stops gracefully hands the lease over at once", async () => {
    const b = all.find((i) => i.name === "node-b")!;
    const c = launch(api, "node-c");
    all.push(c);
    await Bun.sleep(1000);
    expect(c.leader).toBe(false);
    const stoppedAt = Date.now();
    b.proc.kill("SIGTERM");
    await until("node-c leads", () => c.leader, leaseMs * 3);
    const handover = c.changes[0]!.at - stoppedAt;
    console.log(`lease handover after SIGTERM: ${handover} ms`);
    // Released, not expired: well under the lease duration (one retry period plus a request).
    expect(handover).toBeLessThan(leaseMs / 2);
  }, 30_000);
});
