// A cache + ADS server on loopback for tests, with the structured logs captured so a test can assert
// what an operator would read (e.g. the NACK line with the client's error_detail).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log/logger.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import type { XdsEvent } from "../../src/xds/cache/stats.ts";
import { startXdsServer, type XdsServer } from "../../src/xds/server/server.ts";

export interface ControlPlane {
  cache: SnapshotCache;
  server: XdsServer;
  port: number;
  socket: string;
  logs: Array<Record<string, unknown>>;
  events: XdsEvent[];
  /** Resolves when an event matching `pred` arrives (or already did, from index `from`). */
  waitEvent(pred: (e: XdsEvent) => boolean, timeoutMs?: number, from?: number): Promise<XdsEvent>;
  close(): Promise<void>;
}

export async function startControlPlane(opts: { port?: number; cache?: SnapshotCache; reuseByIdentity?: boolean } = {}): Promise<ControlPlane> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: "debug", sink: { write: (line) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const cache = opts.cache ?? new SnapshotCache({ logger, reuseByIdentity: opts.reuseByIdentity ?? false });
  const events: XdsEvent[] = [];
  const waiters = new Set<() => void>();
  cache.onEvent((e) => {
    events.push(e);
    for (const w of waiters) w();
  });
  const dir = mkdtempSync(join(tmpdir(), "edgegate-xds-"));
  const socket = join(dir, "run", "xds.sock");
  const server = await startXdsServer({ cache, unixSocket: socket, tcp: { port: opts.port ?? 0 }, logger });
  const waitEvent = (pred: (e: XdsEvent) => boolean, timeoutMs = 8000, from = 0): Promise<XdsEvent> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (let i = from; i < events.length; i++) {
          const e = events[i]!;
          if (pred(e)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(e);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for an xDS event`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  return {
    cache,
    server,
    port: server.tcp!.port,
    socket,
    logs,
    events,
    waitEvent,
    close: async () => {
      await server.close({ graceMs: 1000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
