// Stands in for the edgegate appliance: opens the Datapath with the given config, then obeys one
// JSON command per stdin line and answers with one JSON line: {"op":"apply","intent":{...}},
// {"op":"status"}, {"op":"close"} (exit leaving pins), {"op":"cleanup"}.
// usage: bun agent.ts '{"mode":"tc","interfaces":["eth0"],"bpffs":"/sys/fs/bpf/x","egressCgroup":"..."}'
import { defaultConfig } from "../../../src/config/types.ts";
import { Datapath } from "../../../src/datapath/datapath.ts";
import { createLogger } from "../../../src/log/logger.ts";
import type { DatapathIntent } from "../../../src/ir/datapath.ts";

const o = JSON.parse(process.argv[2] ?? "{}") as {
  mode: "tc" | "sklookup";
  interfaces?: string[];
  bpffs: string;
  egressCgroup?: string;
  legacyTc?: boolean;
};
const cfg = defaultConfig("test");
cfg.datapath = { mode: o.mode, interfaces: o.interfaces ?? [], bpffs: o.bpffs, egressCgroup: o.egressCgroup ?? "" };
const log = createLogger({ level: "warn" });
const dp = await Datapath.open(cfg, log, { ...(o.egressCgroup ? { egressCgroup: o.egressCgroup } : {}), ...(o.legacyTc ? { legacyTc: true } : {}) });
const say = (x: unknown): void => {
  process.stdout.write(JSON.stringify(x) + "\n");
};
say({ op: "open", status: dp.status() });
for await (const line of console) {
  if (!line.trim()) continue;
  const cmd = JSON.parse(line) as {
    op: string;
    intent?: DatapathIntent;
    family?: 4 | 6;
    address?: string;
    port?: number;
    pid?: number;
    fd?: number;
    protocol?: "TCP" | "UDP";
  };
  try {
    if (cmd.op === "apply" && cmd.intent) {
      const t0 = performance.now();
      // JSON from the test: an intent without mesh targets has none
      await dp.apply({ ...cmd.intent, mesh: cmd.intent.mesh ?? [] });
      say({ op: "apply", ms: performance.now() - t0, status: dp.status() });
    } else if (cmd.op === "status") say({ op: "status", status: dp.status() });
    else if (cmd.op === "listener") {
      dp.registerListener(cmd.family ?? 4, cmd.address ?? "127.0.0.1", cmd.port ?? 0, cmd.pid ?? 0, cmd.fd ?? 0, cmd.protocol ?? "TCP");
      say({ op: "listener" });
    } else if (cmd.op === "close") {
      dp.close();
      say({ op: "close" });
      process.exit(0);
    } else if (cmd.op === "cleanup") {
      say({ op: "cleanup", result: dp.cleanup() });
      process.exit(0);
    } else say({ op: cmd.op, error: "unknown op" });
  } catch (e) {
    say({ op: cmd.op, error: (e as Error).message });
  }
}
