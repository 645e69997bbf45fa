// Worker spread: with Envoy's one listening socket per worker (SO_REUSEPORT), do steered
// connections reach every worker evenly? Runs the node lab (tests/node-lab: dist/edgegate with its
// real datapath, the xDS-driven Envoy stand-in binding one socket per worker) for tc and sklookup
// with 2 and 4 workers, and prints each socket's share of accepted connections and max/min.
// Run as root:  node_modules/.bin/bun bench/datapath/spread.ts [--conns 4000]
import { cannotRun, Lab } from "../../tests/node-lab/lab.ts";
import { edgegateClass, gateway } from "../../tests/helpers/manifests.ts";

const i = process.argv.indexOf("--conns");
const conns = i >= 0 ? Number(process.argv[i + 1]) : 4000;
const why = cannotRun();
if (why) {
  console.error(`bench/datapath/spread: cannot run: ${why}`);
  process.exit(1);
}
const lab = new Lab("sp");
const done = async (): Promise<void> => {
  await lab.stop();
  lab.destroy();
};
process.on("SIGINT", () => void done().then(() => process.exit(130)));
try {
  lab.writeInputs(
    [
      edgegateClass,
      gateway({
        name: "gw",
        namespace: "bench",
        listeners: "[{name: http, protocol: HTTP, port: 80}]",
        extra: "  addresses: [{type: IPAddress, value: 10.210.9.7}]\n",
      }),
    ].join("---\n"),
  );
  console.log(`${conns} connections from one client to 10.210.9.7:80 (a Gateway address), per run`);
  console.log("mode       workers  per-socket accepted                  max/min  errors");
  for (const mode of ["tc", "sklookup"] as const) {
    for (const workers of [2, 4]) {
      await lab.stop();
      await lab.start({ mode, concurrency: workers, nodeAddresses: ["10.210.0.1"], exposure: "  mode: hostNetwork\n  addressPool: [10.210.9.7]" });
      await lab.standin((s) => s.sockets.length === workers);
      const r = lab.clientPy<{ per: Record<string, number>; errors: Record<string, number> }>(["many", "10.210.9.7", "80", String(conns), "10.210.0.2"]);
      const counts = Object.entries(r.per)
        .sort()
        .map(([, n]) => n);
      const ratio = counts.length === workers ? Math.max(...counts) / Math.min(...counts) : Infinity;
      console.log(
        `${mode.padEnd(10)} ${String(workers).padStart(7)}  ${counts.join(" / ").padEnd(36)} ${ratio.toFixed(3).padStart(7)}  ${JSON.stringify(r.errors)}`,
      );
    }
  }
} finally {
  await done();
}
