// Runs MeshSteering inside a network namespace the test made (nsenter --net=...), the way the
// appliance runs it inside its own: one command per run, one JSON line out; the pinned state
// carries over between runs exactly as between appliance restarts.
//   mesh-agent.ts BPFFS CGROUP apply '[{"address":..,"port":..,"envoyPort":..}]' | counters | skip DIR | remove
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MeshSteering } from "../../../src/datapath/mesh/steering.ts";
import type { MeshEntry } from "../../../src/datapath/mesh/layout.ts";

const [bpffs, cgroup, cmd, arg] = process.argv.slice(2) as [string, string, string, string | undefined];
if (cmd === "remove") {
  console.log(JSON.stringify(MeshSteering.remove(bpffs)));
  process.exit(0);
}
const m = MeshSteering.open(readFileSync(join(import.meta.dir, "../../../bpf/mesh.bpf.o")), { bpffs, cgroup });
try {
  if (cmd === "apply") console.log(JSON.stringify(m.apply(JSON.parse(arg ?? "[]") as MeshEntry[])));
  else if (cmd === "counters") console.log(JSON.stringify(m.counters()));
  else if (cmd === "skip") {
    m.skipCgroup(arg!);
    console.log("{}");
  } else throw new Error(`unknown command ${cmd}`);
} finally {
  m.close();
}
