// Issue 17 item 3 in Kubernetes mode: new routes through the API, each from its create to the first
// OK of a real grpc-js-xds client, with 10,000 other HTTPRoutes loaded (tests/kube/new-routes.ts
// holds the scenario; tests/kube/new-routes.test.ts runs it small in CI). edgegate runs as its own
// process: the compiled dist/edgegate by default (--from-source: src/main.ts under this Bun), so the
// benchmark's client and API writes do not share its event loop.
// Usage: bun bench/kube/new-routes.ts [--new-routes 3000] [--others 10000] [--from-source | --edgegate PATH]
//   (root; needs scripts/setup-kube.sh, and `bun scripts/build.ts` for the binary)
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { ApiServer, apiServerAvailable } from "../../tests/kube/apiserver.ts";
import { runNewRoutes } from "../../tests/kube/new-routes.ts";

const args = process.argv.slice(2);
const flag = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const count = Number(flag("--new-routes", "3000"));
const others = Number(flag("--others", "10000"));
const root = join(import.meta.dir, "../..");
const binary = join(root, "dist/edgegate");
// --edgegate PATH: another build or a wrapper (a profiler, an older commit's binary) in its place.
const command = args.includes("--from-source") ? [process.execPath, join(root, "src/main.ts")] : [flag("--edgegate", binary)];
if (!apiServerAvailable()) {
  console.error("bench/kube: no API server built; run scripts/setup-kube.sh");
  process.exit(1);
}
if (!args.includes("--from-source") && !existsSync(command[0]!)) {
  console.error(`bench/kube/new-routes: ${command[0]} is not built; run \`bun scripts/build.ts\` or pass --from-source`);
  process.exit(1);
}

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
const loadAtStart = load();
const api = new ApiServer();
await api.start();
await api.applyCrds(["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"]);
let loadAtMeasure = "";
try {
  const r = await runNewRoutes(api, {
    others,
    count,
    command,
    progress: (line) => {
      loadAtMeasure = load();
      console.error(`${line} (load average ${loadAtMeasure})`);
    },
  });
  const ms = (s: { p50: number; p99: number; max: number }): string => `p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms`;
  console.error(
    [
      `new routes in Kubernetes mode (${r.count} GRPCRoutes one after another, ${r.others} other HTTPRoutes, edgegate: ${command.join(" ")})`,
      `  API create response -> first OK (grpc-js-xds): ${ms(r.firstOkMs)} (goal p99 <= 250 ms)`,
      `  errors: ${r.otherErrors} besides ${r.expectedNotFound} expected no-route${r.firstOtherError ? ` (first: ${r.firstOtherError})` : ""}`,
      `  API create response -> Accepted written by edgegate (seen on a watch): ${ms(r.acceptedMs)}`,
      `  status writes during the new routes: ${r.statusWrites} (${r.statusErrors} errors)`,
      `  where the time goes, from the create response: ADDED on a watch ${ms(r.breakdown.watchMs)};`,
      `    edgegate's next publish ${ms(r.breakdown.publishedMs)}; publish -> first OK ${ms(r.breakdown.okAfterPublishMs)}`,
      `  CPU per new route: edgegate ${r.cpuMsPerRoute.edgegate} ms, API server ${r.cpuMsPerRoute.apiServer} ms, etcd ${r.cpuMsPerRoute.etcd} ms, this process (client, watch, creates) ${r.cpuMsPerRoute.benchClient} ms`,
      "  slowest routes:",
      ...r.breakdown.slowest.map((l) => `    ${l}`),
      `  load average (1/5/15 min): at start ${loadAtStart}, at the end ${load()}`,
    ].join("\n"),
  );
  console.log(JSON.stringify({ bench: "kube-new-routes", ...r, command: command.join(" "), loadAverage: { start: loadAtStart, end: load() } }));
} finally {
  await api.stop();
}
process.exit(0);
