// Shared bench plumbing: a cache + ADS server in this process, real grpc-js-xds clients in a child
// process (so client CPU and memory are not counted as the server's), and waiting on ACKs.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import type { XdsEvent } from "../../src/xds/cache/stats.ts";
import { startXdsServer, type XdsServer } from "../../src/xds/server/server.ts";

export interface Bench {
  cache: SnapshotCache;
  server: XdsServer;
  port: number;
  /** Resolves with the time when `pred` holds for an event at or after now. */
  until(pred: (e: XdsEvent) => boolean, timeoutMs?: number): Promise<number>;
  clients(listener: string, prefix: string, count: number): ChildProcess;
  close(): Promise<void>;
}

export async function startBench(opts: { reuseByIdentity?: boolean } = {}): Promise<Bench> {
  const cache = new SnapshotCache({ reuseByIdentity: opts.reuseByIdentity ?? false });
  const server = await startXdsServer({ cache, tcp: { port: 0 } });
  const waiting = new Set<(e: XdsEvent) => void>();
  cache.onEvent((e) => {
    for (const w of [...waiting]) w(e);
  });
  const children: ChildProcess[] = [];
  return {
    cache,
    server,
    port: server.tcp!.port,
    until: (pred, timeoutMs = 60000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(w);
          reject(new Error("bench: timed out waiting for an xDS event"));
        }, timeoutMs);
        const w = (e: XdsEvent): void => {
          if (!pred(e)) return;
          clearTimeout(timer);
          waiting.delete(w);
          resolve(performance.now());
        };
        waiting.add(w);
      }),
    clients: (listener, prefix, count) => {
      const child = spawn(process.execPath, [join(import.meta.dir, "grpc-clients.ts"), String(server.tcp!.port), listener, prefix, String(count)], {
        stdio: ["pipe", "ignore", "inherit"],
      });
      children.push(child);
      return child;
    },
    close: async () => {
      for (const c of children) c.kill("SIGTERM");
      await server.close({ graceMs: 500 });
    },
  };
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

export function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const fmt = (ms: number): string => ms.toFixed(1);
