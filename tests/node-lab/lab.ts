// The node lab: network namespaces for clients, the gateway node and backends, the compiled
// dist/edgegate running in the node namespace with its real datapath, and standin-envoy.py (a
// test double for Envoy's sockets and lifecycle, driven by edgegate's xDS) as its "Envoy".
//
//   client  10.210.0.2, 10.210.0.3, fd00:210::2 ──veth── node 10.210.0.1, fd00:210::1 (ifname lab0)
//           routes 10.210.9.0/24 and fd00:219::/64 via the node (Gateway addresses the node does
//           not have: edgegate must make them local)
//   backend 10.211.0.2 ──veth── node 10.211.0.1
// The node does not forward (a new namespace's default): an address that is not local is dropped.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "../..");
export const EDGEGATE = join(ROOT, "dist/edgegate");
const PY = "/usr/bin/python3";

/** Why the lab cannot run here, or undefined. */
export function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return "not root (the node lab creates network namespaces and loads eBPF)";
  for (const tool of ["ip", "nsenter"]) if (!Bun.which(tool)) return `${tool} not found (iproute2 / util-linux)`;
  if (!existsSync(EDGEGATE)) return "dist/edgegate is missing (node_modules/.bin/bun scripts/build.ts)";
  if (spawnSync(PY, ["-c", "import grpc, socket; socket.IP_TRANSPARENT"]).status !== 0) return "/usr/bin/python3 with grpc (Debian python3-grpcio) is missing";
  const probe = spawnSync("ip", ["netns", "add", `eglprobe${process.pid}`], { encoding: "utf8" });
  if (probe.status !== 0) return `cannot create network namespaces: ${probe.stderr.trim()}`;
  spawnSync("ip", ["netns", "del", `eglprobe${process.pid}`]);
  return undefined;
}

export interface StandinState {
  pid: number;
  workers: number;
  listeners: Record<string, { addresses: Array<[string, number]>; transparent: boolean }>;
  sockets: string[];
  clusters: string[];
  errors: string[];
  acks: number;
}

export interface Answer {
  ok: boolean;
  error?: string;
  ms: number;
  server?: { listener: string; worker: number; pid: number; socket: string; peer: [string, number]; local: [string, number] };
}

export interface Counter {
  slot: number;
  label: string;
  conns: number;
  packets: number;
}

export class Lab {
  readonly client: string;
  readonly node: string;
  readonly backend: string;
  readonly dir: string;
  readonly bpffs: string;
  private edgegate: ChildProcess | undefined;
  readonly logs: string[] = [];

  constructor(tag: string) {
    const id = `${tag}${process.pid}`;
    this.client = `eglc-${id}`;
    this.node = `egln-${id}`;
    this.backend = `eglb-${id}`;
    this.dir = mkdtempSync(join(tmpdir(), "edgegate-lab-"));
    this.bpffs = `/sys/fs/bpf/edgegate-lab-${id}`;
    this.destroyNamespaces();
    const [c, n, b, nb] = ["c", "n", "b", "m"].map((x) => `egl${x}${process.pid}`.slice(0, 15));
    const r = spawnSync(
      "bash",
      [
        "-euc",
        `
      ip netns add ${this.client}; ip netns add ${this.node}; ip netns add ${this.backend}
      ip link add ${c} type veth peer name ${n}; ip link set ${c} netns ${this.client}; ip link set ${n} netns ${this.node}
      ip link add ${b} type veth peer name ${nb}; ip link set ${b} netns ${this.backend}; ip link set ${nb} netns ${this.node}
      ip -n ${this.node} link set ${n} name lab0; ip -n ${this.node} link set ${nb} name lab1
      for ns in ${this.client} ${this.node} ${this.backend}; do ip -n $ns link set lo up; done
      ip -n ${this.client} addr add 10.210.0.2/24 dev ${c}; ip -n ${this.client} addr add 10.210.0.3/24 dev ${c}
      ip -n ${this.client} -6 addr add fd00:210::2/64 dev ${c} nodad
      ip -n ${this.node} addr add 10.210.0.1/24 dev lab0; ip -n ${this.node} -6 addr add fd00:210::1/64 dev lab0 nodad
      ip -n ${this.node} addr add 10.211.0.1/24 dev lab1; ip -n ${this.backend} addr add 10.211.0.2/24 dev ${b}
      ip -n ${this.client} link set ${c} up; ip -n ${this.node} link set lab0 up; ip -n ${this.node} link set lab1 up; ip -n ${this.backend} link set ${b} up
      ip -n ${this.client} route add 10.210.9.0/24 via 10.210.0.1; ip -n ${this.client} -6 route add fd00:219::/64 via fd00:210::1
      ip -n ${this.backend} route add default via 10.211.0.1
    `,
      ],
      { encoding: "utf8" },
    );
    if (r.status !== 0) {
      this.destroy();
      throw new Error(`node lab namespaces: ${r.stderr}`);
    }
    mkdirSync(join(this.dir, "inputs"));
    // The "Envoy binary" the supervisor starts: exec keeps one pid, as with a real envoy.
    writeFileSync(join(this.dir, "envoy"), `#!/bin/sh\nexec ${PY} ${join(import.meta.dir, "standin-envoy.py")} "$@"\n`);
    chmodSync(join(this.dir, "envoy"), 0o755);
  }

  get statePath(): string {
    return join(this.dir, "standin.json");
  }

  run(ns: string, cmd: string[], timeoutMs = 120_000): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync("nsenter", [`--net=/run/netns/${ns}`, ...cmd], { encoding: "utf8", timeout: timeoutMs });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  }

  /** Runs client.py in the client namespace and parses its JSON. */
  clientPy<T>(args: string[]): T {
    const r = this.run(this.client, [PY, join(import.meta.dir, "client.py"), ...args]);
    if (r.status !== 0) throw new Error(`client.py ${args.join(" ")}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  connect(host: string, port: number, src = "10.210.0.2"): Answer {
    return this.clientPy<Answer[]>(["once", JSON.stringify([{ host, port, src: host.includes(":") ? "fd00:210::2" : src }])])[0]!;
  }

  writeInputs(yaml: string): void {
    writeFileSync(join(this.dir, "inputs", "lab.yaml"), yaml);
  }

  /**
   * Starts dist/edgegate in the node namespace with this datapath mode and exposure. With mode
   * "off" (direct delivery, for comparison) nothing makes Gateway addresses local: add the routes.
   */
  async start(o: { mode: "tc" | "sklookup" | "off"; concurrency: number; nodeAddresses: string[]; exposure: string }): Promise<void> {
    rmSync(this.statePath, { force: true });
    writeFileSync(
      join(this.dir, "edgegate.yaml"),
      `node:
  name: lab-node
  addresses: [${o.nodeAddresses.map((a) => JSON.stringify(a)).join(", ")}]
source:
  paths: [${JSON.stringify(join(this.dir, "inputs"))}]
exposure:
${o.exposure}
envoy:
  path: ${JSON.stringify(join(this.dir, "envoy"))}
  adminAddress: 127.0.0.1:19902
  drainSeconds: 0
  concurrency: ${o.concurrency}
xds:
  socket: ${JSON.stringify(join(this.dir, "xds.sock"))}
health:
  address: 127.0.0.1:19256
admin:
  address: 127.0.0.1:19901
datapath:
  mode: ${o.mode}
  interfaces: [lab0]
  bpffs: ${JSON.stringify(this.bpffs)}
log:
  level: info
`,
    );
    this.spawnEdgegate();
  }

  private spawnEdgegate(): void {
    const p = spawn("nsenter", [`--net=/run/netns/${this.node}`, EDGEGATE, "run", "--config", join(this.dir, "edgegate.yaml")], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_LAB_STATE: this.statePath },
    });
    p.stdout!.on("data", (d) => this.logs.push(String(d)));
    p.stderr!.on("data", (d) => this.logs.push(String(d)));
    this.edgegate = p;
  }

  /** Waits until the stand-in has bound every socket of `expect` (strings as in StandinState.sockets). */
  async standin(expect: (s: StandinState) => boolean, timeoutMs = 20_000): Promise<StandinState> {
    const until = Date.now() + timeoutMs;
    let last: StandinState | undefined;
    for (;;) {
      try {
        last = JSON.parse(readFileSync(this.statePath, "utf8")) as StandinState;
        if (expect(last)) return last;
      } catch {
        // not written yet
      }
      if (Date.now() > until) throw new Error(`stand-in Envoy not in the expected state: ${JSON.stringify(last)}\n${this.logs.join("").slice(-4000)}`);
      await Bun.sleep(100);
    }
  }

  /** `edgegate datapath status --json` in the node namespace. */
  datapath(): { attachments: Array<{ kind: string; target: string }>; counters: Counter[]; localRoutes: string[] } {
    const r = this.run(this.node, [EDGEGATE, "datapath", "status", "--bpffs", this.bpffs, "--json"]);
    if (r.status !== 0) throw new Error(`datapath status: ${r.stderr}`);
    return JSON.parse(r.stdout) as { attachments: Array<{ kind: string; target: string }>; counters: Counter[]; localRoutes: string[] };
  }

  conns(label: string): number {
    const c = this.datapath().counters.find((x) => x.label === label);
    if (!c)
      throw new Error(
        `no counter ${label}: ${this.datapath()
          .counters.map((x) => x.label)
          .join("; ")}`,
      );
    return c.conns;
  }

  /** edgegate's local routes in the node namespace, read with ip (route protocol 230). */
  localRoutes(): string[] {
    const out: string[] = [];
    for (const fam of ["-4", "-6"]) {
      const r = this.run(this.node, ["ip", "-j", fam, "route", "show", "table", "local", "proto", "230"]);
      for (const rt of JSON.parse(r.stdout || "[]") as Array<{ dst: string }>) out.push(rt.dst);
    }
    return out.sort();
  }

  /** Starts client.py in the client namespace without waiting (its JSON comes with the promise). */
  clientPyAsync<T>(args: string[]): Promise<T> {
    const p = spawn("nsenter", [`--net=/run/netns/${this.client}`, PY, join(import.meta.dir, "client.py"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout!.on("data", (d) => (out += String(d)));
    p.stderr!.on("data", (d) => (err += String(d)));
    return new Promise((resolve, reject) =>
      p.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`client.py ${args.join(" ")}: ${err}`)))),
    );
  }

  /** SIGKILLs edgegate (a crash or OOM kill) and waits until it is gone. */
  async crash(): Promise<void> {
    const p = this.edgegate;
    this.edgegate = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGKILL");
    await exited;
  }

  /** Starts edgegate again with the config of the last start(). */
  restart(): void {
    this.spawnEdgegate();
  }

  /** SIGTERM edgegate and wait for it (the stand-in gets its parent-death signal). */
  async stop(): Promise<void> {
    const p = this.edgegate;
    this.edgegate = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGTERM");
    const t = setTimeout(() => p.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(t);
    this.killStandins();
  }

  private killStandins(): void {
    try {
      const s = JSON.parse(readFileSync(this.statePath, "utf8")) as StandinState;
      process.kill(s.pid, "SIGKILL");
    } catch {
      // gone already
    }
  }

  private destroyNamespaces(): void {
    for (const ns of [this.client, this.node, this.backend]) spawnSync("ip", ["netns", "del", ns]);
  }

  destroy(): void {
    this.edgegate?.kill("SIGKILL");
    this.killStandins();
    // pins and local routes: the binary's own uninstall command
    if (existsSync(this.bpffs)) this.run(this.node, [EDGEGATE, "datapath", "cleanup", "--bpffs", this.bpffs]);
    this.destroyNamespaces();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
