// Runs the real appliance (startAppliance: file source, xDS, datapath, EnvoySupervisor) in the
// current network namespace with a stand-in Envoy binary; answers one JSON line per stdin line:
// "status" -> the admin server's /status document, "stop" -> stops the appliance and exits.
// usage: bun appliance.ts '{"dir":"/tmp/x","bpffs":"/sys/fs/bpf/x","envoy":"/tmp/x/envoy","mode":"sklookup","nodeAddresses":["10.0.0.1"]}'
import { defaultConfig } from "../../../src/config/types.ts";
import { createLogger } from "../../../src/log/logger.ts";
import { startAppliance } from "../../../src/run/appliance.ts";

const o = JSON.parse(process.argv[2] ?? "{}") as { dir: string; bpffs: string; envoy: string; mode: "tc" | "sklookup"; nodeAddresses?: string[] };
const config = defaultConfig("datapath-test");
// a Gateway's spec.addresses must be this node's (or in the pool) to be served and steered
config.node.addresses = o.nodeAddresses ?? [];
config.source.paths = [`${o.dir}/inputs`];
config.xds = { socket: `${o.dir}/run/xds.sock` };
config.health.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
config.admin.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
config.envoy = { ...config.envoy, path: o.envoy, drainSeconds: 0 };
config.datapath = { mode: o.mode, interfaces: [], bpffs: o.bpffs, egressCgroup: "" };
// fast Envoy restarts are the supervisor's default (500 ms first backoff)
const app = await startAppliance(config, createLogger({ level: "info" }));
const admin = app.statusServers.admin.url;
const say = (x: unknown): void => {
  process.stdout.write(JSON.stringify(x) + "\n");
};
say({ op: "ready", admin });
for await (const line of console) {
  const cmd = line.trim();
  if (cmd === "status") say({ op: "status", status: await (await fetch(`${admin}/status`)).json() });
  else if (cmd === "stop") {
    await app.stop({ drain: false });
    say({ op: "stop" });
    process.exit(0);
  } else if (cmd) say({ op: cmd, error: "unknown op" });
}
