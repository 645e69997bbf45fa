// sk_lookup mode hands new connections to sockets it finds in a SOCKMAP, so the appliance must put
// Envoy's listening sockets there: after every Envoy (re)start (new pid, new sockets) and whenever
// its listeners change. Envoy does not tell us its fds, so they are found the way ss does it:
// /proc/<pid>/net/tcp{,6} lists listening sockets (state 0A) with their inode (udp{,6}: Envoy's
// UDP listener sockets are bound and unconnected, state 07), and
// /proc/<pid>/fd/* links read `socket:[inode]`. The fd is then copied with pidfd_getfd.
// The parsing is pure (unit-tested on sample text); the reads and the retrying are below it.
import { endianness } from "node:os";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { Family } from "../net/ip.ts";
import { formatIp } from "../net/ip.ts";
import { listenerSlot } from "./reconcile.ts";
import { portText, type Protocol } from "./layout.ts";
import type { ListenerRegistration } from "./datapath.ts";
import type { SteeringTarget } from "../ir/datapath.ts";
import type { EnvoyState } from "../envoy/state.ts";
import type { XdsEvent } from "../xds/cache/stats.ts";
import type { Logger } from "../log/logger.ts";

const TCP_LISTEN = 0x0a;
/** /proc/net/udp shows a bound, unconnected UDP socket (what a UDP listener is) as TCP_CLOSE. */
const UDP_UNCONNECTED = 0x07;

export interface ProcTcpSocket {
  family: Family;
  /** Which table the line came from: /proc/net/tcp* or /proc/net/udp* (same format). */
  protocol: Protocol;
  /** Local address as text ("127.0.0.1", "::"). */
  address: string;
  port: number;
  state: number;
  inode: number;
}

/**
 * Parses /proc/net/tcp, tcp6, udp or udp6. Addresses are printed as 32-bit words in host byte order, so on
 * little-endian machines each word's bytes are reversed ("0100007F" is 127.0.0.1).
 */
export function parseProcNetTcp(text: string, family: Family, littleEndian = endianness() === "LE", protocol: Protocol = "TCP"): ProcTcpSocket[] {
  const out: ProcTcpSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    const [addrHex, portHex] = (f[1] ?? "").split(":");
    const inode = Number(f[9]);
    if (!addrHex || !portHex || f[3] === undefined || !Number.isInteger(inode)) continue;
    const bytes = new Uint8Array(family === 4 ? 4 : 16);
    if (addrHex.length !== bytes.length * 2) continue;
    for (let w = 0; w < bytes.length / 4; w++) {
      for (let b = 0; b < 4; b++) {
        const src = littleEndian ? 3 - b : b;
        bytes[w * 4 + b] = parseInt(addrHex.slice(w * 8 + src * 2, w * 8 + src * 2 + 2), 16);
      }
    }
    out.push({ family, protocol, address: formatIp(family, bytes), port: parseInt(portHex, 16), state: parseInt(f[3], 16), inode });
  }
  return out;
}

/** "socket:[12345]" -> 12345; anything else (files, pipes, anon inodes) -> undefined. */
export function socketInode(link: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m?.[1] ? Number(m[1]) : undefined;
}

export interface ProcListing {
  /** Listening TCP and unconnected UDP sockets of the process's network namespace (not only the process's). */
  sockets: ProcTcpSocket[];
  /** Socket inode -> the process's lowest fd holding it. */
  fds: Map<number, number>;
}

export interface ListenerCandidate {
  fd: number;
  inode: number;
  /** Local address:port, for status and logs. */
  socket: string;
}

/** A slot as pickListener needs it (ListenerTarget without the names). */
export interface SlotRef {
  family: Family;
  /** Absent means TCP (a listening socket); UDP takes a bound, unconnected socket. */
  protocol?: Protocol;
  address: string;
  port: number;
  /** No envoyAddress was given: a loopback socket (tc mode's default) is the last resort. */
  implicit: boolean;
}

/**
 * The process's listening socket that sk_lookup should assign for a slot: the socket bound to the
 * slot's address, else the wildcard one of its family (an IPv4 slot then takes a dual-stack [::]
 * socket: they accept IPv4 unless IPV6_V6ONLY, which /proc does not show), else, for a slot with
 * no explicit Envoy address, the loopback one. So Gateways sharing a port on different addresses
 * each get their own Envoy socket. Several matches in a tier (Envoy's per-worker SO_REUSEPORT
 * sockets) are one reuseport group: the kernel balances across it after the assign, so the lowest
 * fd stands for all of them.
 */
export function pickListener(l: ProcListing, slot: SlotRef): ListenerCandidate | undefined {
  const { family, address, port } = slot;
  const protocol = slot.protocol ?? "TCP";
  const state = protocol === "UDP" ? UDP_UNCONNECTED : TCP_LISTEN;
  const owned = l.sockets.filter((s) => s.protocol === protocol && s.state === state && s.port === port && l.fds.has(s.inode));
  const at = (f: Family, a: string): ProcTcpSocket[] => owned.filter((s) => s.family === f && s.address === a);
  const tiers = [at(family, address), ...(family === 4 ? [at(4, "0.0.0.0"), at(6, "::")] : [at(6, "::")])];
  if (slot.implicit) tiers.push(family === 4 ? at(4, "127.0.0.1") : at(6, "::1"));
  for (const tier of tiers) {
    const best = tier.map((s) => ({ s, fd: l.fds.get(s.inode)! })).sort((a, b) => a.fd - b.fd)[0];
    if (best) return { fd: best.fd, inode: best.s.inode, socket: `${best.s.family === 6 ? `[${best.s.address}]` : best.s.address}${portText(port, protocol)}` };
  }
  return undefined;
}

/** Reads a live process's listening sockets and fds; throws when the process is gone. */
export function readProcListing(pid: number, procRoot = "/proc"): ProcListing {
  const sockets: ProcTcpSocket[] = [];
  for (const [file, family, protocol] of [
    ["tcp", 4, "TCP"],
    ["tcp6", 6, "TCP"],
    ["udp", 4, "UDP"],
    ["udp6", 6, "UDP"],
  ] as const) {
    let text = "";
    try {
      text = readFileSync(`${procRoot}/${pid}/net/${file}`, "utf8");
    } catch (e) {
      // no IPv6 in the kernel: tcp6 is missing, which is fine; a vanished process is not
      if (file === "tcp") throw e;
    }
    const want = protocol === "UDP" ? UDP_UNCONNECTED : TCP_LISTEN;
    sockets.push(...parseProcNetTcp(text, family, undefined, protocol).filter((s) => s.state === want));
  }
  const fds = new Map<number, number>();
  for (const name of readdirSync(`${procRoot}/${pid}/fd`)) {
    let link: string;
    try {
      link = readlinkSync(`${procRoot}/${pid}/fd/${name}`);
    } catch {
      continue; // closed while we looked
    }
    const inode = socketInode(link);
    const fd = Number(name);
    if (inode !== undefined && !(fds.get(inode)! <= fd)) fds.set(inode, fd);
  }
  return { sockets, fds };
}

export interface ListenerTarget extends SlotRef {
  /** The steering entries that need it ("web/public/http 10.0.0.10:80"), for logs. */
  for: string[];
}

/**
 * The listener slots a steering intent needs, keyed like eg_listeners: (family of Envoy's socket,
 * address, Envoy port), computed by datapath/reconcile.ts's listenerSlot so both sides agree.
 */
export function listenerTargets(steering: readonly SteeringTarget[]): ListenerTarget[] {
  const out = new Map<string, ListenerTarget>();
  for (const t of steering) {
    const slot = listenerSlot(t);
    if (!slot) continue; // reconcile reports bad addresses
    const k = keyOf(slot);
    const what = `${t.gateway}/${t.listener} ${t.address}${portText(t.portEnd !== undefined && t.portEnd !== t.port ? `${t.port}-${t.portEnd}` : t.port, t.protocol)}`;
    const cur = out.get(k);
    if (cur) cur.for.push(what);
    else
      out.set(k, {
        family: slot.family,
        ...(slot.protocol === "UDP" ? { protocol: slot.protocol } : {}),
        address: slot.address,
        port: slot.port,
        implicit: slot.implicit,
        for: [what],
      });
  }
  return [...out.values()];
}

/** The part of Datapath this needs (a fake in unit tests). */
export interface ListenerSink {
  registerListener(family: Family, address: string, envoyPort: number, pid: number, fd: number, protocol: Protocol): void;
  unregisterListener(family: Family, address: string, envoyPort: number, protocol: Protocol): void;
  noteListener(r: ListenerRegistration): void;
}

export interface RegistrarOptions {
  /** First retry delay; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** After a trigger, how long to keep retrying a port Envoy has not bound before giving up. */
  giveUpMs?: number;
  /** /proc reader (tests). */
  read?: (pid: number) => ProcListing;
}

const keyOf = (s: { family: Family; protocol?: Protocol; address: string; port: number }): string =>
  `${s.family}/${s.protocol ?? "TCP"}/${s.address}/${s.port}`;
/** The slot fields of a status note (protocol only when UDP, as in ListenerRegistration). */
const noteOf = (s: SlotRef): Pick<ListenerRegistration, "family" | "protocol" | "address" | "port"> => ({
  family: s.family,
  ...(s.protocol === "UDP" ? { protocol: "UDP" as const } : {}),
  address: s.address,
  port: s.port,
});

/**
 * Keeps eg_listeners pointing at the current Envoy's sockets. Every trigger (new pid, new targets,
 * an LDS ACK) runs one pass at once and then retries what is missing with backoff, bounded by
 * giveUpMs; a port still missing then is reported "failed" with a warning until the next trigger.
 */
export class EnvoySocketRegistrar {
  private pid: number | undefined;
  private targets = new Map<string, ListenerTarget>();
  /** What is in the SOCKMAP: slot, socket inode and owner, so a replaced socket is noticed. */
  private registered = new Map<string, { slot: ListenerTarget; pid: number; inode: number }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delay = 0;
  private deadline = 0;
  private stopped = false;
  private readonly o: Required<RegistrarOptions>;

  constructor(
    private readonly sink: ListenerSink,
    private readonly log: Logger,
    opts: RegistrarOptions = {},
  ) {
    this.o = { retryMs: 100, maxRetryMs: 2000, giveUpMs: 30_000, read: (pid) => readProcListing(pid), ...opts };
  }

  setEnvoy(pid: number | undefined): void {
    if (pid === this.pid) return;
    this.pid = pid;
    // the old process's sockets left the SOCKMAP when they closed
    this.registered.clear();
    this.trigger();
  }

  setTargets(targets: readonly ListenerTarget[]): void {
    const next = new Map(targets.map((t) => [keyOf(t), t]));
    const same = next.size === this.targets.size && [...next.keys()].every((k) => this.targets.has(k));
    this.targets = next;
    if (!same) this.trigger();
  }

  /** Envoy (probably) changed its listeners: look again, retrying for a while. */
  trigger(): void {
    if (this.stopped) return;
    this.delay = this.o.retryMs;
    this.deadline = Date.now() + this.o.giveUpMs;
    this.pass();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pass(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const at = new Date().toISOString();
    for (const [k, r] of this.registered) {
      if (this.targets.has(k)) continue;
      this.sink.unregisterListener(r.slot.family, r.slot.address, r.slot.port, r.slot.protocol ?? "TCP");
      this.registered.delete(k);
      this.log.info("envoy listener socket unregistered: slot no longer steered", {
        ...noteOf(r.slot),
        pid: r.pid,
      });
    }
    const pid = this.pid;
    if (pid === undefined) {
      for (const t of this.targets.values()) this.sink.noteListener({ ...noteOf(t), state: "waiting", at, error: "Envoy is not running" });
      return;
    }
    let listing: ProcListing | undefined;
    let readError = "";
    try {
      listing = this.o.read(pid);
    } catch (e) {
      readError = `cannot read /proc/${pid}: ${(e as Error).message}`;
    }
    const missing: Array<{ t: ListenerTarget; error: string }> = [];
    for (const [k, t] of this.targets) {
      const c = listing ? pickListener(listing, t) : undefined;
      if (!c) {
        missing.push({
          t,
          error:
            readError ||
            `Envoy (pid ${pid}) has no ${t.protocol === "UDP" ? "bound UDP" : "listening"} socket for ${t.family === 6 ? `[${t.address}]` : t.address}${portText(t.port, t.protocol)} (that address or the wildcard${t.implicit ? ", or loopback" : ""})`,
        });
        continue;
      }
      const had = this.registered.get(k);
      if (had && had.pid === pid && had.inode === c.inode) continue;
      try {
        this.sink.registerListener(t.family, t.address, t.port, pid, c.fd, t.protocol ?? "TCP");
      } catch (e) {
        missing.push({ t, error: (e as Error).message });
        continue;
      }
      this.registered.set(k, { slot: t, pid, inode: c.inode });
      this.sink.noteListener({ ...noteOf(t), state: "registered", pid, fd: c.fd, socket: c.socket, at });
      this.log.info("envoy listener socket registered", { ...noteOf(t), pid, fd: c.fd, socket: c.socket });
    }
    if (missing.length === 0) return;
    const giveUp = Date.now() >= this.deadline;
    for (const { t, error } of missing) {
      this.registered.delete(keyOf(t));
      this.sink.noteListener({ ...noteOf(t), state: giveUp ? "failed" : "waiting", pid, at, error });
      if (giveUp)
        // What the kernel does without a socket in the slot: sk_lookup falls back to the regular
        // lookup, where nothing listens on the Gateway's address (a TCP reset, an ICMP port unreachable).
        this.log.warn(
          `envoy listener socket not registered: ${t.protocol === "UDP" ? "datagrams steered to this slot get port unreachable" : "connections steered to this slot are reset"}`,
          {
            ...noteOf(t),
            pid,
            for: t.for,
            error,
          },
        );
    }
    if (giveUp) return;
    // not yet bound (Envoy is starting or applying LDS): look again soon; never keeps the process alive
    this.timer = setTimeout(() => this.pass(), this.delay);
    this.timer.unref?.();
    this.delay = Math.min(this.delay * 2, this.o.maxRetryMs);
  }
}

/**
 * The appliance's wiring: follows the supervisor's Envoy pid, the steering targets the appliance
 * hands over after each compile (steeringChanged, called once it has stored the new intent), and
 * LDS ACKs (Envoy has applied the listeners, so its sockets may be new).
 */
export function followEnvoySockets(o: {
  datapath: ListenerSink;
  supervisor: { onChange(fn: (s: EnvoyState) => void): () => void; state(): EnvoyState };
  cache: { onEvent(fn: (ev: XdsEvent) => void): () => void };
  steering: () => readonly SteeringTarget[];
  log: Logger;
  options?: RegistrarOptions;
}): { registrar: EnvoySocketRegistrar; steeringChanged(): void; stop(): void } {
  const registrar = new EnvoySocketRegistrar(o.datapath, o.log.with({ component: "datapath" }), o.options);
  registrar.setTargets(listenerTargets(o.steering()));
  registrar.setEnvoy(o.supervisor.state().pid);
  const offEnvoy = o.supervisor.onChange((s) => registrar.setEnvoy(s.pid));
  const offXds = o.cache.onEvent((ev) => {
    if (ev.type === "ack" && ev.typeUrl.endsWith(".Listener")) registrar.trigger();
  });
  return {
    registrar,
    steeringChanged: () => registrar.setTargets(listenerTargets(o.steering())),
    stop: () => {
      offEnvoy();
      offXds();
      registrar.stop();
    },
  };
}
