// `edgegate datapath status|cleanup`: reads or removes what the appliance pinned under bpffs,
// without loading any program (works while the appliance runs, after it crashed, or on a node it
// left). Exit 0 ok, 1 failure, 2 usage.
import { defaultConfig } from "../config/types.ts";
import { missingCapabilities } from "../datapath/datapath.ts";
import { cleanupPins, inspectPins } from "../datapath/pins.ts";

const defaults = defaultConfig("node").datapath;
export const DEFAULT_EGRESS_CGROUP = "/sys/fs/cgroup/unified/edgegate-envoy";

const usage = `usage: edgegate datapath status [--bpffs DIR] [--json]
       edgegate datapath cleanup [--bpffs DIR] [--cgroup DIR]

status   lists the attached programs (tcx links, tc filters, sk_lookup, cgroup connect hooks),
         map sizes and every rule's counters (connections, packets)
cleanup  detaches and removes everything edgegate attached and pinned, and its Envoy cgroup,
         leaving the node as it was
  --bpffs DIR    datapath.bpffs of the appliance (default ${defaults.bpffs})
  --cgroup DIR   the Envoy egress cgroup to remove (default ${DEFAULT_EGRESS_CGROUP})
  --json         status as JSON
`;

export interface DatapathIo {
  out: (s: string) => void;
  err: (s: string) => void;
}
const stdio: DatapathIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export async function datapathCommand(args: string[], io: DatapathIo = stdio): Promise<number> {
  const [sub, ...rest] = args;
  let bpffs = defaults.bpffs;
  let cgroup = DEFAULT_EGRESS_CGROUP;
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === "--json") json = true;
    else if (a === "--bpffs" && rest[i + 1] !== undefined) bpffs = rest[++i]!;
    else if (a === "--cgroup" && rest[i + 1] !== undefined) cgroup = rest[++i]!;
    else if (a === "--help" || a === "-h") {
      io.out(usage);
      return 0;
    } else {
      io.err(`edgegate datapath: unknown flag ${a}\n\n${usage}`);
      return 2;
    }
  }
  if (sub === "--help" || sub === "-h" || sub === "help") {
    io.out(usage);
    return 0;
  }
  if (sub !== "status" && sub !== "cleanup") {
    io.err(usage);
    return 2;
  }
  const missing = missingCapabilities();
  if (missing.length > 0) {
    io.err(`edgegate datapath ${sub}: missing capabilities ${missing.join(", ")} (run as root)\n`);
    return 1;
  }
  try {
    if (sub === "status") {
      const s = inspectPins(bpffs);
      if (json) {
        io.out(JSON.stringify(s, null, 2) + "\n");
        return 0;
      }
      const lines: string[] = [`bpffs ${s.bpffs}`];
      if (s.attachments.length === 0 && Object.keys(s.maps).length === 0) {
        lines.push("nothing attached or pinned");
        io.out(lines.join("\n") + "\n");
        return 0;
      }
      lines.push("attached:");
      if (s.attachments.length === 0) lines.push("  (nothing)");
      for (const a of s.attachments)
        lines.push(`  ${a.kind.padEnd(16)} ${a.target.padEnd(16)} prog ${a.progId ?? "?"}${a.linkId ? ` link ${a.linkId}` : ""}${a.pin ? `  ${a.pin}` : ""}`);
      lines.push("maps:");
      for (const [name, m] of Object.entries(s.maps)) lines.push(`  ${name.padEnd(14)} ${String(m.entries).padStart(7)} / ${m.max}`);
      lines.push(`local routes: ${s.localRoutes.length > 0 ? s.localRoutes.join(", ") : "(none)"}`);
      lines.push("counters:                                                       conns    packets");
      for (const c of s.counters) lines.push(`  ${c.label.padEnd(60).slice(0, 60)} ${String(c.conns).padStart(8)} ${String(c.packets).padStart(10)}`);
      io.out(lines.join("\n") + "\n");
      return 0;
    }
    const r = cleanupPins(bpffs, cgroup);
    for (const x of r.removed) io.out(`removed ${x}\n`);
    if (r.removed.length === 0) io.out("nothing to remove\n");
    for (const p of r.problems) io.err(`problem: ${p}\n`);
    return r.problems.length === 0 ? 0 : 1;
  } catch (e) {
    io.err(`edgegate datapath ${sub}: ${(e as Error).message}\n`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await datapathCommand(process.argv.slice(2));
