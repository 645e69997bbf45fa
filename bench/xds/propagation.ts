// Propagation: with ROUTES routes' worth of resources (default 10,000), change one route and time
// publish() -> a real grpc-js-xds client (separate process) has ACKed the new RouteConfiguration.
// CHANGES changes (default 50). REUSE=1 publishes unchanged resources as the same objects with the
// cache's reuseByIdentity on (what a memoizing emitter would do); default: fresh objects each time.
// Usage: bun bench/xds/propagation.ts        (env ROUTES, CHANGES, REUSE, PER)
import { TypeUrl } from "../../src/xds/resources.ts";
import { fmt, pct, startBench, waitFor } from "./harness.ts";
import { synthetic } from "./synthetic.ts";

const routes = Number(process.env.ROUTES ?? 10000);
const changes = Number(process.env.CHANGES ?? 50);
const reuse = process.env.REUSE === "1";
// PER: routes per listener/RouteConfiguration (default all in one). With PER=100 a change resends a
// 100-route RouteConfiguration instead of the whole set.
const per = Number(process.env.PER ?? routes);

const b = await startBench({ reuseByIdentity: reuse });
const base = synthetic({ routes, perListener: per });
b.cache.publish(base);
b.clients("bench", "prop", 1);
const mine = () => b.cache.clients().find((c) => c.nodeId === "prop-0" && c.types.some((t) => t.type === "rds"));
// All four types subscribed and ACKed (ackState alone is true between the LDS/RDS and CDS/EDS steps).
await waitFor(() => mine()?.types.length === 4 && b.cache.ackState("prop-0").current, 60000, "the client to ACK the initial snapshot");
const subscribed = mine()!
  .types.map((t) => `${t.type}:${t.resources}`)
  .join(" ");

const total: number[] = [];
const publish: number[] = [];
for (let i = 1; i <= changes; i++) {
  // Building the resources stands in for translation (the lead's part) and is not timed.
  // Always a route in the client's RouteConfiguration (listener 0).
  const next = synthetic({ routes, perListener: per, change: { index: i % per, revision: i } });
  // A memoizing emitter hands over the same objects for everything unchanged: only the changed
  // RouteConfiguration (listener 0's) is a new object.
  const input = reuse ? { ...base, routes: [next.routes[0]!, ...base.routes.slice(1)] } : next;
  const rdsVersion = { v: "" };
  const acked = b.until((e) => e.type === "ack" && e.nodeId === "prop-0" && e.typeUrl === TypeUrl.route && e.version === rdsVersion.v);
  const t0 = performance.now();
  const r = b.cache.publish(input);
  rdsVersion.v = mine()!.types.find((t) => t.type === "rds")!.desiredVersion;
  if (r.changed.join() !== "rds") throw new Error(`expected only RDS to change, got ${r.changed.join()}`);
  const t1 = await acked;
  total.push(t1 - t0);
  publish.push(r.ms);
  await Bun.sleep(20);
}
total.sort((x, y) => x - y);
publish.sort((x, y) => x - y);
const mem = process.memoryUsage();
console.log(
  JSON.stringify({
    bench: "propagation",
    routes,
    routesPerRouteConfiguration: per,
    changes,
    reuseByIdentity: reuse,
    client: "grpc-js-xds 1.14 (separate process)",
    subscribed,
    publishToAckMs: { p50: fmt(pct(total, 50)), p99: fmt(pct(total, 99)), max: fmt(total.at(-1)!) },
    publishMs: { p50: fmt(pct(publish, 50)), p99: fmt(pct(publish, 99)) },
    serverRssMiB: Math.round(mem.rss / 2 ** 20),
  }),
);
await b.close();
process.exit(0);
