// A Gateway listener on a port another process already holds, through the running appliance:
// after Envoy's start the node's ports are read from /proc, and the listener is withdrawn from
// what Envoy gets, with Programmed=False PortUnavailable naming the process (here, this test).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testApplianceConfig } from "../helpers/appliance-config.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { startAppliance, type ApplianceHandle } from "../../src/run/appliance.ts";
import type { CompileResult } from "../../src/pipeline/compile.ts";
import { edgegateClass, gateway } from "../helpers/manifests.ts";
import { freePort } from "../helpers/ports.ts";

let dir: string;
let app: ApplianceHandle;
let holder: Server;
let taken: number;
let free: number;
const results: CompileResult[] = [];

beforeAll(async () => {
  [taken, free] = [await freePort(), await freePort()];
  holder = createServer();
  await new Promise<void>((r) => holder.listen(taken, "0.0.0.0", r));
  dir = mkdtempSync(join(tmpdir(), "edgegate-hostports-"));
  writeFileSync(
    join(dir, "gw.yaml"),
    `${edgegateClass}---\n${gateway({ name: "gw", namespace: "web", listeners: `[{name: taken, protocol: HTTP, port: ${taken}}, {name: free, protocol: HTTP, port: ${free}}]` })}`,
  );
  const config = testApplianceConfig("hostports-test", dir);
  app = await startAppliance(config, silentLogger, undefined, { onCompiled: (r) => results.push(r) });
});

afterAll(async () => {
  await app?.stop({ drain: false });
  holder?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the listener on the taken port is withdrawn with PortUnavailable naming the process; the other stays", async () => {
  const until = Date.now() + 8_000;
  const programmed = (r: CompileResult, name: string) => {
    const gw = r.status.find((s) => s.kind === "Gateway")!.status as {
      listeners: Array<{ name: string; conditions: Array<{ type: string; status: string; reason: string; message: string }> }>;
    };
    return gw.listeners.find((l) => l.name === name)!.conditions.find((c) => c.type === "Programmed")!;
  };
  while (Date.now() < until && programmed(results.at(-1)!, "taken").status !== "False") await Bun.sleep(100);
  const last = results.at(-1)!;
  const c = programmed(last, "taken");
  expect([c.status, c.reason]).toEqual(["False", "PortUnavailable"]);
  expect(c.message).toStartWith(`0.0.0.0:${taken} is already in use on this node by `);
  expect(c.message).toEndWith(`(pid ${process.pid})`);
  expect(programmed(last, "free").status).toBe("True");
  expect(last.ir.listeners.map((l) => l.port)).toEqual([free]);
  // the first compile, before the ports were read, served both
  expect(results[0]!.ir.listeners.map((l) => l.port).sort()).toEqual([taken, free].sort());
}, 15_000);
