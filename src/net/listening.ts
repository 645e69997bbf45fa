// Which TCP ports other processes on this node listen on, read from /proc the way `ss -ltnp` does
// (/proc/net/tcp{,6} for LISTEN sockets, /proc/PID/fd for their owners), and whether Envoy may bind
// ports below 1024. Feeds src/gateway/host-ports.ts; the appliance re-reads it periodically.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { HostPorts } from "../gateway/host-ports.ts";
import { parseProcNetTcp, socketInode } from "../datapath/envoy-sockets.ts";

const TCP_LISTEN = 0x0a;
const CAP_NET_BIND_SERVICE = 10n;

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function list(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return []; // gone, or not ours to read
  }
}

/**
 * Listening TCP sockets of this network namespace with their owner, except sockets any `exclude`
 * pid holds (Envoy's). With `ports`, only those ports are looked at: the /proc/PID/fd walk, the
 * costly part, is skipped when nothing listens there.
 */
export function listeningSockets(exclude: ReadonlySet<number>, ports?: ReadonlySet<number>, procRoot = "/proc"): HostPorts["inUse"] {
  const listening = new Map(
    [...parseProcNetTcp(read(`${procRoot}/net/tcp`), 4), ...parseProcNetTcp(read(`${procRoot}/net/tcp6`), 6)]
      .filter((s) => s.state === TCP_LISTEN && (!ports || ports.has(s.port)))
      .map((s) => [s.inode, s]),
  );
  if (listening.size === 0) return [];
  // inode -> pids holding it: a socket shared with an excluded process (inherited across Envoy's
  // hot restart, say) is that process's.
  const owners = new Map<number, number[]>();
  for (const entry of list(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    for (const fd of list(`${procRoot}/${entry}/fd`)) {
      let inode: number | undefined;
      try {
        inode = socketInode(readlinkSync(`${procRoot}/${entry}/fd/${fd}`));
      } catch {
        continue;
      }
      if (inode === undefined || !listening.has(inode)) continue;
      const pids = owners.get(inode) ?? [];
      if (!pids.includes(Number(entry))) pids.push(Number(entry));
      owners.set(inode, pids);
    }
  }
  const out: Array<{ address: string; port: number; process: string }> = [];
  for (const [inode, pids] of owners) {
    if (pids.some((p) => exclude.has(p))) continue;
    const s = listening.get(inode)!;
    const pid = Math.min(...pids);
    out.push({ address: s.address, port: s.port, process: `${read(`${procRoot}/${pid}/comm`).trim() || "?"} (pid ${pid})` });
  }
  return out.sort((a, b) => a.port - b.port || (a.address < b.address ? -1 : 1));
}

/**
 * The lowest port Envoy, started by this process, can bind: 0 when it can bind any (effective root
 * that Envoy keeps, or CAP_NET_BIND_SERVICE in the ambient set Envoy inherits), else the kernel's
 * net.ipv4.ip_unprivileged_port_start (1024 by default).
 */
export function unprivilegedPortStart(status = read("/proc/self/status"), sysctl = read("/proc/sys/net/ipv4/ip_unprivileged_port_start")): number {
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.+)$`, "m").exec(status)?.[1];
  const euid = Number(field("Uid")?.split(/\s+/)[1] ?? "0");
  const ambient = BigInt(`0x${field("CapAmb") ?? "0"}`);
  if (euid === 0 || ((ambient >> CAP_NET_BIND_SERVICE) & 1n) === 1n) return 0;
  const start = Number(sysctl.trim() || "1024");
  return Number.isFinite(start) ? start : 1024;
}
