// Issue 17 item 4, with ROUTES routes (synthetic resources, as bench/xds/propagation.ts):
//  1. split into RouteConfigurations of 1,000 routes (what per-hostname proxyless configurations
//     give): time until a real grpc-js-xds client (child process) subscribed to one of them has
//     ACKed the initial configuration and a one-route change, with all ROUTES in the snapshot;
//  2. all in one RouteConfiguration: what the client does with a response over 4 MiB, and what
//     edgegate reports. grpc-js-xds's own channel to the xDS server keeps gRPC's default 4 MiB
//     receive limit whatever the data channel is given, so this is what every grpc-js client gets.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { TypeUrl } from "../../src/xds/resources.ts";
import { synthetic } from "../xds/synthetic.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { startXdsServer } from "../../src/xds/server/server.ts";
import type { XdsEvent } from "../../src/xds/cache/stats.ts";

export interface SizeFigures {
  routes: number;
  rdsMb: number;
  initialAckMs: number;
  changeAckMs: number;
  /** What a client got when all routes were in one RouteConfiguration, and what edgegate says. */
  defaultLimit: string;
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(10);
  }
  return true;
}

export async function sizeRun(routes: number): Promise<SizeFigures> {
  const cache = new SnapshotCache({ reuseByIdentity: true });
  const server = await startXdsServer({ cache, tcp: { port: 0 } });
  const events: XdsEvent[] = [];
  cache.onEvent((e) => events.push(e));
  cache.publish(synthetic({ routes, perListener: 1000 }));
  const rdsBytes = [...cache.snapshot().types.get(TypeUrl.route)!.entries.values()].reduce((n, e) => n + e.any.value.length, 0);
  const spawnClient = (node: string, maxReceive: string) =>
    spawn(process.execPath, [join(import.meta.dir, "../xds/grpc-clients.ts"), String(server.tcp!.port), "bench", node, "1"], {
      stdio: ["pipe", "ignore", "inherit"],
      env: { ...process.env, MAX_RECEIVE: maxReceive },
    });
  const acked =
    (node: string, from = 0) =>
    () =>
      events.slice(from).some((e) => e.type === "ack" && e.nodeId === node && e.typeUrl === TypeUrl.route);
  const t0 = performance.now();
  const big = spawnClient("size", String(256 << 20));
  if (!(await waitFor(acked("size-0"), 600000))) throw new Error(`${routes} routes: no ACK within 600 s`);
  const initialAckMs = performance.now() - t0;
  const from = events.length;
  const t1 = performance.now();
  cache.publish(synthetic({ routes, perListener: 1000, change: { index: 1, revision: 1 } }));
  if (!(await waitFor(acked("size-0", from), 600000))) throw new Error(`${routes} routes: no ACK of the change within 600 s`);
  const changeAckMs = performance.now() - t1;
  big.kill("SIGTERM");
  // Everything in one RouteConfiguration: watch a client for 10 s.
  cache.publish(synthetic({ routes }));
  const oneRcMb = Math.round(([...cache.snapshot().types.get(TypeUrl.route)!.entries.values()][0]!.any.value.length / 1e6) * 10) / 10;
  const small = spawnClient("small", "0");
  await Bun.sleep(10000);
  const connects = events.filter((e) => e.type === "connect" && e.nodeId === "small-0").length;
  const ack = events.some((e) => e.type === "ack" && e.nodeId === "small-0" && e.typeUrl === TypeUrl.route);
  const state = cache.ackState("small-0");
  small.kill("SIGTERM");
  await server.close({ graceMs: 200 });
  const defaultLimit = `one ${oneRcMb} MB RouteConfiguration: ${ack ? "ACKed" : `no ACK in 10 s, ${connects} ADS streams opened (the client drops the stream and reconnects); readiness: ${state.current ? "current" : (state.reason ?? "not current")}`}`;
  return { routes, rdsMb: Math.round((rdsBytes / 1e6) * 10) / 10, initialAckMs, changeAckMs, defaultLimit };
}
