// UDP request/response rate and round-trip latency (p50/p99): direct to a socket bound on the
// Gateway address itself (no datapath attached), and steered by edgegate from that address to a
// socket bound on loopback, in tc mode and in sklookup mode (every datagram goes through the program:
// UDP has no connection to remember). THREADS clients, one datagram in flight each, no retries:
// lost datagrams are counted. All traffic stays inside two network namespaces this script creates.
// Run as root:  node_modules/.bin/bun bench/datapath/udp.ts [--seconds 2] [--rounds 3] [--threads 2]
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
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

const why = cannotRun();
if (why) {
  console.error(`bench/datapath/udp: cannot run: ${why}`);
  process.exit(1);
}

const { tool, bpffs, pair, procs, done } = openBenchLab("udpbench", "udpbench.c", "ub");

/** fd of the UDP socket `pid` has bound to 127.0.0.1:port (from /proc), for sk_lookup. */
function udpFd(pid: number, port: number): number {
  const want = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const line = readFileSync(`/proc/${pid}/net/udp`, "utf8")
    .split("\n")
    .find((l) => l.trim().split(/\s+/)[1] === want);
  const inode = line?.trim().split(/\s+/)[9];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) if (inode && readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return Number(fd);
  throw new Error(`no UDP socket on 127.0.0.1:${port}`);
}

interface Run {
  rate: number;
  p50_us: number;
  p99_us: number;
  lost: number;
  wrong_source: number;
}

try {
  const direct = new Lines(pair.exec(pair.gw, [tool, "serve", "10.200.0.10", "7000"]));
  const target = new Lines(pair.exec(pair.gw, [tool, "serve", "127.0.0.1", "15353"]));
  procs.push(direct, target);
  for (const l of [direct, target]) if ((await l.next()) !== "ready") throw new Error("server did not start");
  const intent: DatapathIntent = {
    steering: [{ address: "10.200.0.10", port: 15353, protocol: "UDP", envoyPort: 15353, gateway: "bench/gw", listener: "udp" }],
    policies: [],
    egress: [],
    mesh: [],
  };
  const run = (host: string, port: number): Run => {
    const r = pair.run(pair.client, [tool, "run", host, String(port), "10.200.0.2", String(seconds), String(threads)]);
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as Run;
  };
  const agentFor = async (mode: "tc" | "sklookup"): Promise<Lines> => {
    const a = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "agent.ts"), JSON.stringify({ mode, interfaces: [pair.gwIf], bpffs })]));
    procs.push(a);
    const open = JSON.parse(await a.next()) as { status: { enabled: boolean; reason?: string } };
    if (!open.status.enabled) throw new Error(`datapath: ${open.status.reason}`);
    const ask = async (cmd: object): Promise<void> => {
      a.send(JSON.stringify(cmd));
      const r = JSON.parse(await a.next()) as { error?: string };
      if (r.error) throw new Error(r.error);
    };
    await ask({ op: "apply", intent });
    if (mode === "sklookup")
      await ask({
        op: "listener",
        family: 4,
        address: "10.200.0.10",
        port: 15353,
        protocol: "UDP",
        pid: target.child.pid,
        fd: udpFd(target.child.pid!, 15353),
      });
    return a;
  };

  const results: Record<string, Run[]> = { direct: [], "tc steering": [], "sklookup steering": [] };
  for (let i = 0; i < rounds; i++) {
    results["direct"]!.push(run("10.200.0.10", 7000));
    for (const mode of ["tc", "sklookup"] as const) {
      const a = await agentFor(mode);
      results[`${mode} steering`]!.push(run("10.200.0.10", 15353));
      a.send(JSON.stringify({ op: "cleanup" }));
      await a.next();
      a.child.kill("SIGKILL");
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = Object.entries(results).map(([name, rs]) => ({
    name,
    rate: median(rs.map((r) => r.rate)),
    p50: median(rs.map((r) => r.p50_us)),
    p99: median(rs.map((r) => r.p99_us)),
    lost: rs.reduce((a, r) => a + r.lost, 0),
    wrong: rs.reduce((a, r) => a + r.wrong_source, 0),
  }));
  const base = summary[0]!.rate;
  console.log(
    `\n${rounds} rounds x ${seconds} s, ${threads} client threads (one datagram in flight each), medians; kernel ${spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim()}`,
  );
  console.log("mode                 answers/s  vs direct   p50 µs   p99 µs   lost  wrong source");
  for (const s of summary)
    console.log(
      `${s.name.padEnd(20)} ${String(Math.round(s.rate)).padStart(9)}   ${(s.rate / base).toFixed(2).padStart(8)}x ${s.p50.toFixed(1).padStart(8)} ${s.p99.toFixed(1).padStart(8)}   ${String(s.lost).padStart(4)}  ${s.wrong}`,
    );
} finally {
  done();
}
