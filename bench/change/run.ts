// Issue 17's change-safety benchmark in one table. Everything is measured through proxyless gRPC
// clients (@grpc/grpc-js-xds 1.14) or the control plane alone; no Envoy runs on these machines.
//   bun bench/change/run.ts [--others 10000] [--new-routes 300] [--sizes 50000,100000]
//                           [--memory 100000] [--cpu 5000,10000] [--soak MINUTES] [--only a,b]
// Sections: traffic (route edits under traffic), new (new routes, file write -> first OK),
// size (50k/100k routes: time to ACK, 4 MiB receive limit), memory (after a big load is removed),
// cpu (per route edit / endpoint change), soak (behind --soak: RSS slope).
import { routeEditsUnderTraffic } from "./traffic.ts";
import { newRoutes } from "./new-routes.ts";
import { sizeRun } from "./size.ts";
import { cpuPerChange, memoryAfterRemoval } from "./memory.ts";
import { soak } from "./soak.ts";

const args = process.argv.slice(2);
const flag = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const list = (s: string): number[] => s.split(",").filter(Boolean).map(Number);
const others = Number(flag("--others", "10000"));
const newCount = Number(flag("--new-routes", "300"));
const sizes = list(flag("--sizes", "50000,100000"));
const memoryRoutes = Number(flag("--memory", "100000"));
const cpuSizes = list(flag("--cpu", "5000,10000"));
const soakMinutes = Number(flag("--soak", "0"));
const only = new Set(flag("--only", "traffic,new,size,memory,cpu,soak").split(","));

const rows: Array<[string, string, string]> = [];
const row = (measure: string, value: string, goal = ""): void => {
  rows.push([measure, value, goal]);
  console.error(`  ${measure}: ${value}`);
};
const ms = (n: number): string => `${n.toFixed(0)} ms`;

if (only.has("traffic")) {
  console.error(`route edits under traffic, ${others} other routes...`);
  const t = await routeEditsUnderTraffic(others);
  row(
    `route edits under traffic (${t.edits} edits, 4 clients x 1 RPC/5 ms, ${t.others} other routes)`,
    `${t.failed} failed of ${t.rpcs} RPCs${t.firstError ? ` (first: ${t.firstError})` : ""}; converged p50 ${ms(t.convergenceP50)}, max ${ms(t.convergenceMax)}; compile+publish p50 ${ms(t.compileP50)}`,
    "0 failed, converged <= 1 s",
  );
}
if (only.has("new")) {
  console.error(`new routes, ${newCount} after ${others} others...`);
  const n = await newRoutes(others, newCount);
  row(
    `new routes one after another (${n.count}, ${n.others} other routes), file write -> first OK`,
    `p50 ${ms(n.p50)}, p99 ${ms(n.p99)}, max ${ms(n.max)}; ${n.otherErrors} errors besides ${n.expectedNotFound} expected no-route${n.firstOtherError ? ` (first: ${n.firstOtherError})` : ""}`,
    "p99 <= 250 ms, 0 errors",
  );
}
if (only.has("size")) {
  for (const n of sizes) {
    console.error(`size ${n}...`);
    const s = await sizeRun(n);
    row(
      `${n} routes, RouteConfigurations of 1,000 (${s.rdsMb} MB in all)`,
      `initial ACK ${ms(s.initialAckMs)}, one-route change ACK ${ms(s.changeAckMs)}; ${s.defaultLimit}`,
      "updates apply; never silently stale",
    );
  }
}
if (only.has("memory")) {
  console.error(`memory, ${memoryRoutes} routes...`);
  const m = memoryAfterRemoval(memoryRoutes);
  row(
    `RSS / JS heap: before, ${m.routes} routes loaded, all routes removed`,
    `${m.before.rss}/${m.before.heap} MB, ${m.loaded.rss}/${m.loaded.heap} MB, ${m.removed.rss}/${m.removed.heap} MB`,
    "goes back down",
  );
}
if (only.has("cpu")) {
  for (const n of cpuSizes) {
    console.error(`cpu, ${n} routes...`);
    const c = cpuPerChange(n);
    row(
      `CPU per change at ${n} routes (compile + publish)`,
      `route edit ${ms(c.routeEditMs)}, endpoint change ${ms(c.endpointChangeMs)}`,
      "endpoint change: an EDS update",
    );
  }
}
if (only.has("soak") && soakMinutes > 0) {
  console.error(`soak, ${soakMinutes} min...`);
  const s = await soak(soakMinutes);
  row(
    `soak ${s.minutes} min, ${s.routes} routes in 50 namespaces, 1 change/s (${s.changes} changes)`,
    `RSS ${s.rssStartMb} -> ${s.rssEndMb} MB, slope after warm-up ${s.slopeMbPerHour} MB/hour`,
    "about 0 MB/hour",
  );
}

const w0 = Math.max(7, ...rows.map((r) => r[0].length));
const w1 = Math.max(6, ...rows.map((r) => r[1].length));
console.log(`\nedgegate change safety (proxyless gRPC clients: @grpc/grpc-js-xds; no Envoy)\n`);
console.log(`| ${"measure".padEnd(w0)} | ${"result".padEnd(w1)} | goal |`);
console.log(`| ${"-".repeat(w0)} | ${"-".repeat(w1)} | --- |`);
for (const [a, b, c] of rows) console.log(`| ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c} |`);
process.exit(0);
