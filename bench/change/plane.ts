// The pipeline in this process, the way the file source feeds it: files parsed once per content
// (an unchanged file keeps its objects, so the memo sees unchanged routes as unchanged), compiled
// with a long-lived memo, published to a cache served over ADS on loopback.
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile, CompileMemo, type CompileResult } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { SnapshotCache, type PublishResult } from "../../src/xds/cache/cache.ts";
import type { XdsEvent } from "../../src/xds/cache/stats.ts";
import { startXdsServer, type XdsServer } from "../../src/xds/server/server.ts";
import type { StoredObject } from "../../src/store/types.ts";

export interface BenchPlane {
  cache: SnapshotCache;
  server: XdsServer;
  port: number;
  memo: CompileMemo;
  events: XdsEvent[];
  apply(files: Record<string, string>): { result: CompileResult; pub: PublishResult; ms: number };
  /** Resolves when `pred` holds for an event from index `from` on. */
  until(pred: (e: XdsEvent) => boolean, from: number, timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function startBenchPlane(): Promise<BenchPlane> {
  const cache = new SnapshotCache({ reuseByIdentity: true });
  const server = await startXdsServer({ cache, tcp: { port: 0 } });
  const memo = new CompileMemo();
  const config = defaultConfig("bench-change");
  const parsed = new Map<string, { text: string; objects: StoredObject[] }>();
  const events: XdsEvent[] = [];
  const waiters = new Set<() => void>();
  cache.onEvent((e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  });
  return {
    cache,
    server,
    port: server.tcp!.port,
    memo,
    events,
    apply(files) {
      const t0 = performance.now();
      const objects: StoredObject[] = [];
      for (const [name, text] of Object.entries(files)) {
        let p = parsed.get(name);
        if (p?.text !== text) {
          p = { text, objects: parseFile(name, text).objects };
          parsed.set(name, p);
        }
        objects.push(...p.objects);
      }
      for (const name of [...parsed.keys()]) if (!(name in files)) parsed.delete(name);
      const result = compile({ objects, config, memo });
      const pub = cache.publish(result.xds);
      return { result, pub, ms: performance.now() - t0 };
    },
    until: (pred, from, timeoutMs = 30000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          for (let i = from; i < events.length; i++) if (pred(events[i]!)) return true;
          return false;
        };
        if (check()) return resolve(performance.now());
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error("bench: timed out waiting for an xDS event"));
        }, timeoutMs);
        const w = (): void => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(performance.now());
        };
        waiters.add(w);
      }),
    close: () => server.close({ graceMs: 500 }),
  };
}

export function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

export const rssMb = (): number => Math.round(process.memoryUsage().rss / 1e6);
