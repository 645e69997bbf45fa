// New connections per second and connect latency (p50/p99): direct to a listener, through
// edgegate's tc steering (bpf_sk_assign), through nftables TPROXY, and steering with 10,000 CIDRs
// in the policy trie. All traffic stays inside two network namespaces this script creates.
// Run as root:  node_modules/.bin/bun bench/datapath/steering.ts [--seconds 2] [--rounds 3] [--threads 2]
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { DatapathIntent } from "../../src/ir/datapath.ts";
import { BIN, BUN, Lines, cannotRun } from "../../tests/datapath/netns.ts";
import { openBenchLab } from "./lab.ts";

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const seconds = arg("seconds", 2);
const rounds = Math.min(arg("rounds", 3), 10);
const threads = Math.min(arg("threads", 2), 8);

const why = cannotRun() ?? (Bun.which("nft") ? undefined : "nft not found (Debian package nftables)");
if (why) {
  console.error(`bench/datapath: cannot run: ${why}`);
  process.exit(1);
}

const { tool, bpffs, pair, procs, done } = openBenchLab("bench", "connbench.c", "bn");

try {
  const sh = (ns: string, cmd: string, input?: string): void => {
    const r = pair.run(ns, ["bash", "-euc", cmd], input);
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  // servers: direct, the steering target, the TPROXY target (IP_TRANSPARENT)
  for (const args of [
    ["10.200.0.1", "7000"],
    ["127.0.0.1", "15001"],
    ["127.0.0.1", "15003", "transparent"],
  ]) {
    const l = new Lines(pair.exec(pair.gw, [tool, "serve", ...args]));
    procs.push(l);
    if ((await l.next()) !== "ready") throw new Error("server did not start");
  }
  sh(
    pair.gw,
    "nft -f -; ip rule add fwmark 1 lookup 100; ip route add local 0.0.0.0/0 dev lo table 100",
    "table ip egbench {\n chain pre {\n  type filter hook prerouting priority mangle; policy accept;\n  ip daddr 10.200.0.10 tcp dport 7070 tproxy to 127.0.0.1:15003 meta mark set 1 accept\n }\n}\n",
  );

  const agent = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "agent.ts"), JSON.stringify({ mode: "tc", interfaces: [pair.gwIf], bpffs })]));
  procs.push(agent);
  const open = JSON.parse(await agent.next()) as { status: { enabled: boolean; reason?: string } };
  if (!open.status.enabled) throw new Error(`datapath: ${open.status.reason}`);
  const apply = async (intent: DatapathIntent): Promise<number> => {
    agent.send(JSON.stringify({ op: "apply", intent }));
    const r = JSON.parse(await agent.next()) as { ms: number; error?: string };
    if (r.error) throw new Error(r.error);
    return r.ms;
  };
  const steering: DatapathIntent["steering"] = [{ address: "10.200.0.10", port: 80, envoyPort: 15001, gateway: "bench/gw", listener: "http" }];
  // 10,000 CIDRs of mixed prefix lengths (so the trie has depth), plus the benchmark client
  const rules: Array<{ cidr: string; action: "allow" | "deny" }> = [{ cidr: "10.200.0.2/32", action: "allow" }];
  let seed = 12345;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff);
  const seen = new Set<string>();
  for (let guard = 0; rules.length < 10_000 && guard < 1_000_000; guard++) {
    const bits = 8 + (rnd() % 25);
    const a = [11 + (rnd() % 200), rnd() % 256, rnd() % 256, rnd() % 256];
    const ip = (a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!;
    const masked = bits === 32 ? ip : ip & ~((1 << (32 - bits)) - 1);
    const cidr = `${(masked >>> 24) & 255}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${bits}`;
    if (seen.has(cidr)) continue;
    seen.add(cidr);
    rules.push({ cidr, action: rnd() % 4 === 0 ? "deny" : "allow" });
  }
  const withPolicy: DatapathIntent = { steering, policies: [{ port: 80, rules, defaultAction: "deny", policy: "bench/10k" }], egress: [], mesh: [] };
  const without: DatapathIntent = { steering, policies: [], egress: [], mesh: [] };
  await apply(without);

  interface Run {
    rate: number;
    p50_us: number;
    p99_us: number;
    errors: number;
    conns: number;
  }
  const run = (host: string, port: number): Run => {
    const r = pair.run(pair.client, [tool, "run", host, String(port), String(seconds), String(threads)]);
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as Run;
  };
  const results: Record<string, Run[]> = { direct: [], steering: [], "nft tproxy": [], "steering + 10k CIDRs": [] };
  const applyMs: { add: number[]; remove: number[] } = { add: [], remove: [] };
  for (let i = 0; i < rounds; i++) {
    results["direct"]!.push(run("10.200.0.1", 7000));
    results["steering"]!.push(run("10.200.0.10", 80));
    results["nft tproxy"]!.push(run("10.200.0.10", 7070));
    applyMs.add.push(await apply(withPolicy));
    await Bun.sleep(500); // let the agent's GC and the kernel's RCU frees settle before measuring
    results["steering + 10k CIDRs"]!.push(run("10.200.0.10", 80));
    applyMs.remove.push(await apply(without));
    await Bun.sleep(500);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = Object.entries(results).map(([name, rs]) => ({
    name,
    rate: median(rs.map((r) => r.rate)),
    p50: median(rs.map((r) => r.p50_us)),
    p99: median(rs.map((r) => r.p99_us)),
    errors: rs.reduce((a, r) => a + r.errors, 0),
  }));
  const direct = summary[0]!.rate;
  const steer = summary[1]!.rate;
  console.log(
    `\n${rounds} rounds x ${seconds} s, ${threads} client threads, medians; kernel ${spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim()}`,
  );
  console.log("mode                    conn/s   vs direct   p50 µs   p99 µs   errors");
  for (const s of summary)
    console.log(
      `${s.name.padEnd(22)} ${String(Math.round(s.rate)).padStart(7)}   ${(s.rate / direct).toFixed(2).padStart(8)}x ${s.p50.toFixed(1).padStart(8)} ${s.p99.toFixed(1).padStart(8)}   ${s.errors}`,
    );
  console.log(`10k CIDRs vs none (steering): ${(summary[3]!.rate / steer).toFixed(3)}x conn/s`);
  console.log(`apply(): add 10,000 CIDRs ${median(applyMs.add).toFixed(0)} ms, remove them ${median(applyMs.remove).toFixed(0)} ms (incremental, live maps)`);
} finally {
  done();
}
