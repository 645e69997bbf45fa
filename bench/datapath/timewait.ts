// TIME_WAIT reuse: clients that reuse source ports (NAT) after the server closed first meet a
// TIME_WAIT socket of the same 4-tuple on the node. Runs the node lab (tests/node-lab: dist/edgegate
// with its real datapath, the xDS-driven Envoy stand-in, which closes first) and makes N sequential
// connections cycling over K source ports to a Gateway address: direct delivery (datapath off, a
// local route for the address), tc and sklookup; then the same to a NodePort. Prints time, p50/p99,
// connections slower than 500 ms (a timeout-driven SYN retransmission), errors, and the steering
// counter against N (connections, not SYNs).
// Run as root:  node_modules/.bin/bun bench/datapath/timewait.ts [--conns 20000] [--ports 10]
import { cannotRun, Lab } from "../../tests/node-lab/lab.ts";
import { edgegateClass, gateway } from "../../tests/helpers/manifests.ts";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const conns = arg("conns", 20000);
const ports = arg("ports", 10);
const why = cannotRun();
if (why) {
  console.error(`bench/datapath/timewait: cannot run: ${why}`);
  process.exit(1);
}
const lab = new Lab("tw");
const done = async (): Promise<void> => {
  await lab.stop();
  lab.destroy();
};
process.on("SIGINT", () => void done().then(() => process.exit(130)));
interface Reuse {
  errors: Record<string, number>;
  slow: number;
  p50: number;
  p99: number;
  max: number;
  seconds: number;
}
try {
  const http = "[{name: http, protocol: HTTP, port: 80}]";
  lab.writeInputs(
    [edgegateClass, gateway({ name: "gw", namespace: "bench", listeners: http, extra: "  addresses: [{type: IPAddress, value: 10.210.9.7}]\n" })].join("---\n"),
  );
  console.log(`${conns} connections over ${ports} reused source ports, the server closing first; kernel ${(await Bun.$`uname -r`.text()).trim()}`);
  console.log("target              mode      seconds   p50 ms   p99 ms   >500 ms  errors  counted");
  const row = (target: string, mode: string, r: Reuse, counted: string): void =>
    console.log(
      `${target.padEnd(19)} ${mode.padEnd(9)} ${r.seconds.toFixed(2).padStart(7)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.slow).padStart(9)}  ${JSON.stringify(r.errors).padEnd(6)}  ${counted}`,
    );
  const measure = async (mode: "tc" | "sklookup" | "off", exposure: string, host: string, port: number, label: string): Promise<void> => {
    await lab.stop();
    await lab.start({ mode, concurrency: 2, nodeAddresses: ["10.210.0.1"], exposure });
    if (mode === "off" && host !== "10.210.0.1") lab.run(lab.node, ["ip", "route", "replace", "local", `${host}/32`, "dev", "lo"]);
    await lab.standin((s) => s.sockets.length === 2);
    const before = mode === "off" ? 0 : lab.conns(label);
    const r = lab.clientPy<Reuse>(["reuse", host, String(port), String(conns), String(ports), "10.210.0.2"]);
    row(`${host}:${port}`, mode === "off" ? "direct" : mode, r, mode === "off" ? "-" : `${lab.conns(label) - before}`);
  };
  const pool = "  mode: hostNetwork\n  addressPool: [10.210.9.7]";
  for (const mode of ["off", "tc", "sklookup"] as const) await measure(mode, pool, "10.210.9.7", 80, "steer bench/gw/http 10.210.9.7:80 -> 10.210.9.7:80");
  lab.writeInputs([edgegateClass, gateway({ name: "gw", namespace: "bench", listeners: http })].join("---\n"));
  const np = '  mode: nodePort\n  bindAddress: 0.0.0.0\n  nodePorts: {"80": 30080}';
  for (const mode of ["tc", "sklookup"] as const) await measure(mode, np, "10.210.0.1", 30080, "steer bench/gw/http 10.210.0.1:30080 -> 0.0.0.0:30080");
} finally {
  await done();
}
