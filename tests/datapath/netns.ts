// Network namespaces for the datapath tests and benchmark: a client and a gateway namespace over
// a veth pair, unique per process, always removed. Everything runs under `nsenter --net=` (not
// `ip netns exec`, which remounts /sys and hides the pins under /sys/fs/bpf).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

export const BUN = join(import.meta.dir, "../../node_modules/.bin/bun");
export const BIN = join(import.meta.dir, "bin");

/** Why these tests cannot run here, or undefined. */
export function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return "not root (the datapath tests need CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN)";
  for (const tool of ["ip", "nsenter", "tc"]) if (!Bun.which(tool)) return `${tool} not found (install iproute2 / util-linux)`;
  if (!existsSync(join(import.meta.dir, "../../bpf/ingress.bpf.o"))) {
    const r = spawnSync("make", ["-s", "-C", join(import.meta.dir, "../../bpf")], { encoding: "utf8" });
    if (r.status !== 0) return `cannot build bpf/ (make -C bpf): ${r.stderr}`;
  }
  const probe = spawnSync("ip", ["netns", "add", `egprobe${process.pid}`], { encoding: "utf8" });
  if (probe.status !== 0) return `cannot create network namespaces: ${probe.stderr.trim()}`;
  spawnSync("ip", ["netns", "del", `egprobe${process.pid}`]);
  return undefined;
}

export interface Pair {
  client: string;
  gw: string;
  /** veth end inside the gateway namespace (where tc ingress attaches). */
  gwIf: string;
  exec(ns: string, cmd: string[]): ChildProcess;
  run(ns: string, cmd: string[], input?: string): { status: number | null; stdout: string; stderr: string };
  destroy(): void;
}

function sh(cmd: string): void {
  const r = spawnSync("bash", ["-euc", cmd], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd}\n${r.stderr}`);
}

/**
 * client: 10.200.0.2, 10.200.0.3, fd00:200::2, fd00:200::3
 * gw:     10.200.0.1 (+ 10.200.0.10/32 Gateway address), fd00:200::1 (+ fd00:200::10)
 */
export function createPair(tag: string): Pair {
  const id = `${tag}${process.pid}`;
  const client = `egc-${id}`;
  const gw = `egg-${id}`;
  const cIf = `egc${process.pid}`.slice(0, 15);
  const gIf = `egg${process.pid}`.slice(0, 15);
  const destroy = (): void => {
    spawnSync("ip", ["netns", "del", client]);
    spawnSync("ip", ["netns", "del", gw]);
  };
  destroy();
  try {
    sh(`
      ip netns add ${client}; ip netns add ${gw}
      ip link add ${cIf} type veth peer name ${gIf}
      ip link set ${cIf} netns ${client}; ip link set ${gIf} netns ${gw}
      ip -n ${client} link set lo up; ip -n ${gw} link set lo up
      ip -n ${client} addr add 10.200.0.2/24 dev ${cIf}; ip -n ${client} addr add 10.200.0.3/24 dev ${cIf}
      ip -n ${client} -6 addr add fd00:200::2/64 dev ${cIf} nodad; ip -n ${client} -6 addr add fd00:200::3/64 dev ${cIf} nodad
      ip -n ${gw} addr add 10.200.0.1/24 dev ${gIf}; ip -n ${gw} addr add 10.200.0.10/32 dev ${gIf}
      ip -n ${gw} -6 addr add fd00:200::1/64 dev ${gIf} nodad; ip -n ${gw} -6 addr add fd00:200::10/128 dev ${gIf} nodad
      ip -n ${client} link set ${cIf} up; ip -n ${gw} link set ${gIf} up
    `);
  } catch (e) {
    destroy();
    throw e;
  }
  const nsArgs = (ns: string, cmd: string[]): string[] => [`--net=/run/netns/${ns}`, ...cmd];
  return {
    client,
    gw,
    gwIf: gIf,
    exec: (ns, cmd) => spawn("nsenter", nsArgs(ns, cmd), { stdio: ["pipe", "pipe", "pipe"] }),
    run: (ns, cmd, input) => {
      const r = spawnSync("nsenter", nsArgs(ns, cmd), { encoding: "utf8", input, timeout: 60_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    destroy,
  };
}

/** Lines of a child's stdout, one at a time. */
export class Lines {
  private queue: string[] = [];
  private waiters: Array<(l: string) => void> = [];
  readonly stderr: string[] = [];
  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const w = this.waiters.shift();
      if (w) w(l);
      else this.queue.push(l);
    });
    child.stderr?.on("data", (d) => this.stderr.push(String(d)));
  }
  next(timeoutMs = 15_000): Promise<string> {
    const q = this.queue.shift();
    if (q !== undefined) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms; stderr: ${this.stderr.join("")}`)), timeoutMs);
      this.waiters.push((l) => {
        clearTimeout(t);
        resolve(l);
      });
    });
  }
  send(line: string): void {
    this.child.stdin!.write(line + "\n");
  }
}
