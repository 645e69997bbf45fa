// Fan-out: CLIENTS (default 100) real grpc-js-xds clients (each its own xDS client, ADS stream and
// node id; all in one child process) on one server. Measures the server process's memory (RSS and
// JS heap) before and after they connect, and the time from publish() until every client has ACKed
// a change: an endpoint change (EDS only) and a route change (RDS), ROUNDS rounds each.
// Usage: bun bench/xds/fanout.ts             (env CLIENTS, ROUTES, ROUNDS)
import { TypeUrl } from "../../src/xds/resources.ts";
import { fmt, pct, startBench, waitFor } from "./harness.ts";
import { synthetic } from "./synthetic.ts";

const clients = Number(process.env.CLIENTS ?? 100);
const routes = Number(process.env.ROUTES ?? 1000);
const rounds = Number(process.env.ROUNDS ?? 10);
const mib = (n: number): number => Math.round((n / 2 ** 20) * 10) / 10;
const memory = () => {
  Bun.gc(true);
  const m = process.memoryUsage();
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed) };
};

const b = await startBench();
b.cache.publish(synthetic({ routes }));
const before = memory();
const t0 = performance.now();
b.clients("bench", "fan", clients);
await waitFor(
  () => {
    const cs = b.cache.clients();
    return cs.length === clients && cs.every((c) => c.types.length === 4 && c.current);
  },
  120000,
  `${clients} clients to ACK the initial snapshot`,
);
const connectMs = performance.now() - t0;
const connected = memory();

async function round(kind: "eds" | "rds", i: number): Promise<number> {
  // RDS rounds keep the endpoints where the EDS rounds left them, so only RDS changes.
  const next = kind === "eds" ? synthetic({ routes, endpointRevision: i }) : synthetic({ routes, endpointRevision: rounds, change: { index: 0, revision: i } });
  const typeUrl = kind === "eds" ? TypeUrl.endpoint : TypeUrl.route;
  const pending = new Set(b.cache.clients().map((c) => c.stream));
  const done = b.until((e) => {
    if (e.type === "ack" && e.typeUrl === typeUrl) {
      const c = b.cache.clients().find((x) => x.stream === e.stream);
      if (c?.types.find((t) => t.typeUrl === typeUrl)?.current) pending.delete(e.stream);
    }
    return pending.size === 0;
  }, 60000);
  const start = performance.now();
  const r = b.cache.publish(next);
  if (r.changed.join() !== kind) throw new Error(`expected only ${kind} to change, got ${r.changed.join()}`);
  const end = await done;
  await Bun.sleep(50);
  return end - start;
}

const results: Record<string, { p50: string; max: string }> = {};
for (const kind of ["eds", "rds"] as const) {
  const t: number[] = [];
  for (let i = 1; i <= rounds; i++) t.push(await round(kind, i));
  t.sort((x, y) => x - y);
  results[kind] = { p50: fmt(pct(t, 50)), max: fmt(t.at(-1)!) };
}
const after = memory();
console.log(
  JSON.stringify({
    bench: "fanout",
    clients,
    client: "grpc-js-xds 1.14, one xDS client per channel, all in one separate process",
    routes,
    allAckedMs: results,
    initialConnectAndAckAllMs: fmt(connectMs),
    serverMemory: { before, connected, afterRounds: after },
  }),
);
await b.close();
process.exit(0);
