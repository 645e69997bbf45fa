// The appliance's eBPF datapath: loads the embedded BPF objects, adopts whatever an earlier edgegate
// pinned under datapath.bpffs (maps keep their entries and counters, links get the new program
// atomically through bpf_link_update), attaches what is missing, and keeps the maps in line with the
// DatapathIntent incrementally. It never throws out of open(): without privileges or kernel support
// it stays disabled and status() says exactly why, and the appliance runs without it.
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ApplianceConfig, DatapathMode } from "../config/types.ts";
import type { DatapathIntent, EgressAllow } from "../ir/datapath.ts";
import type { Logger } from "../log/logger.ts";
import { BpfError } from "./libbpf/errors.ts";
import { closeFd, ifNameToIndex, lib, mountBpffs, openFd, pidfdGetfd } from "./libbpf/ffi.ts";
import { BpfMap, BpfObject, legacyTc, linkCreate, linkDetach, linkUpdate, objGetIfPinned, objPin } from "./libbpf/object.ts";
import { ATTACH } from "./libbpf/structs.ts";
import { listenerKey, type Protocol } from "./layout.ts";
import { parseIp, type Family } from "../net/ip.ts";
import { cleanupPins, inspectPins, listInterfaces, LEGACY_TC, MAPS, pinPaths, type Attachment, type Counter, type MapName } from "./pins.ts";
import { PinUpgrade } from "./upgrade.ts";
import { reconcile, type Change, type EgressMaps, type IngressMaps, type SharedMaps } from "./reconcile.ts";
import { reconcileLocalRoutes } from "./local-routes.ts";
import { cgroup2Root, MeshSteering, type MeshCounter } from "./mesh/steering.ts";

export interface DatapathOptions {
  /**
   * cgroup v2 folder Envoy runs in; when set, connect4/connect6 programs there let Envoy connect
   * only to the intent's egress allows (plus loopback). Created when missing.
   */
  egressCgroup?: string;
  /** Object bytes (tests); by default the ones embedded in the binary. Without `mesh`, no GAMMA steering. */
  objects?: { ingress: Uint8Array; egress: Uint8Array; mesh?: Uint8Array };
  /** Prefer legacy tc filters over tcx links even where tcx exists. */
  legacyTc?: boolean;
}

export interface DatapathStatus {
  mode: DatapathMode;
  enabled: boolean;
  /** Why the datapath is disabled (or degraded), word for word. */
  reason?: string;
  bpffs: string;
  /** "adopted" when pinned state from an earlier run was found and taken over. */
  start?: "fresh" | "adopted";
  egressCgroup?: string;
  attachments: Attachment[];
  maps: Record<string, { entries: number; max: number }>;
  counters: Counter[];
  lastApply?: { at: string; changes: Record<string, Change>; problems: string[] };
  /** sk_lookup mode: which Envoy socket serves each (family, address, Envoy port) slot steering points at. */
  listeners?: ListenerRegistration[];
  /** Pinned maps of an older edgegate's layout that this start replaced (src/datapath/upgrade.ts). */
  upgraded?: string[];
  /** Local routes edgegate installed for steered addresses the node does not have. */
  localRoutes?: string[];
  /** GAMMA steering (src/datapath/mesh): the cgroup it is attached to and each Service port's connections. */
  mesh?: { cgroup: string; services: MeshCounter[] } | { off: string };
}

/**
 * One sk_lookup listener slot as the appliance last saw it (src/datapath/envoy-sockets.ts fills it in):
 * "waiting" while Envoy has not bound the port yet, "failed" once it gave up retrying.
 */
export interface ListenerRegistration {
  family: Family;
  /** Set for a UDP slot (Envoy's bound UDP socket); absent means a TCP listening socket. */
  protocol?: "UDP";
  /** Slot address: Envoy's listener address, or the steered address (reconcile.ts listenerSlot). */
  address: string;
  port: number;
  state: "registered" | "waiting" | "failed";
  pid?: number;
  /** Envoy's fd number and the socket's local address, for matching with ss / lsof. */
  fd?: number;
  socket?: string;
  at: string;
  error?: string;
}

/** Envoy always reaches loopback (admin, local sinks); everything else comes from the intent. */
export const LOOPBACK_EGRESS: EgressAllow[] = [
  { cidr: "127.0.0.0/8", reason: "loopback" },
  { cidr: "::1/128", reason: "loopback" },
];

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;
const CAP_BPF = 39;
const CAP_PERFMON = 38;

/** Capabilities the datapath needs that this process lacks, as names. */
/**
 * The capabilities the datapath needs that this process lacks. tc mode also needs CAP_PERFMON: its
 * program reads packet data the verifier only allows with it (without, the load fails with EACCES,
 * which would read like a verifier bug).
 */
export function missingCapabilities(mode: "tc" | "sklookup" | "off" = "sklookup"): string[] {
  let eff = 0n;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    eff = m?.[1] ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return [];
  }
  const has = (c: number): boolean => ((eff >> BigInt(c)) & 1n) === 1n;
  const missing: string[] = [];
  if (!has(CAP_BPF) && !has(CAP_SYS_ADMIN)) missing.push("CAP_BPF");
  if (!has(CAP_NET_ADMIN)) missing.push("CAP_NET_ADMIN");
  if (mode === "tc" && !has(CAP_PERFMON) && !has(CAP_SYS_ADMIN)) missing.push("CAP_PERFMON");
  return missing;
}

function isBpffs(path: string): boolean {
  // the longest mount point that is a prefix of path decides
  let best = "";
  let type = "";
  for (const line of readFileSync("/proc/self/mounts", "utf8").split("\n")) {
    const f = line.split(" ");
    const mnt = f[1] ?? "";
    if ((path === mnt || path.startsWith(mnt.endsWith("/") ? mnt : mnt + "/")) && mnt.length >= best.length) {
      best = mnt;
      type = f[2] ?? "";
    }
  }
  return type === "bpf";
}

/** Mounts bpffs on /sys/fs/bpf (or the folder itself) when the pin folder is not on one. */
function ensureBpffs(bpffs: string, log: Logger): void {
  if (!isBpffs(bpffs)) {
    const target = bpffs.startsWith("/sys/fs/bpf/") ? "/sys/fs/bpf" : bpffs;
    mkdirSync(target, { recursive: true });
    mountBpffs(target);
    log.info("mounted bpffs", { target });
  }
  const p = pinPaths(bpffs);
  mkdirSync(p.maps, { recursive: true });
  mkdirSync(p.links, { recursive: true });
}

function isMapMismatch(e: unknown): boolean {
  return e instanceof BpfError && e.call.startsWith("bpf_object__load") && e.errno === 22;
}

export class Datapath {
  private lastApply: DatapathStatus["lastApply"];
  private readonly listenerNotes = new Map<string, ListenerRegistration>();
  private upgraded: string[] = [];
  private constructor(
    private readonly mode: DatapathMode,
    private readonly bpffs: string,
    private readonly log: Logger,
    private readonly reason: string | undefined,
    private readonly objs: BpfObject[],
    private readonly shared: SharedMaps | undefined,
    private readonly ingress: (IngressMaps & { listeners: BpfMap }) | undefined,
    private readonly egress: EgressMaps | undefined,
    private readonly start: "fresh" | "adopted" | undefined,
    readonly egressCgroup: string | undefined,
  ) {}

  /** GAMMA steering, or why it is off. */
  private mesh: MeshSteering | string | undefined;

  get enabled(): boolean {
    return this.shared !== undefined;
  }

  static disabled(cfg: ApplianceConfig, log: Logger, reason: string): Datapath {
    return new Datapath(cfg.datapath.mode, cfg.datapath.bpffs, log, reason, [], undefined, undefined, undefined, undefined, undefined);
  }

  static async open(cfg: ApplianceConfig, log: Logger, opts: DatapathOptions = {}): Promise<Datapath> {
    const dp = cfg.datapath;
    log = log.with({ component: "datapath" });
    if (dp.mode === "off") return Datapath.disabled(cfg, log, "datapath.mode is off: Envoy binds the listener ports itself");
    if (dp.mode === "tc" && dp.interfaces.length === 0) return Datapath.disabled(cfg, log, "datapath.mode is tc but datapath.interfaces is empty");
    try {
      lib();
    } catch (e) {
      return Datapath.failed(cfg, log, (e as Error).message);
    }
    const missing = missingCapabilities(dp.mode);
    if (missing.length > 0)
      return Datapath.failed(
        cfg,
        log,
        `missing capabilities ${missing.join(", ")}: run edgegate as root or grant them (the datapath is off, Envoy binds the listener ports itself)`,
      );
    let objects = opts.objects;
    if (!objects) {
      try {
        objects = await (await import("./objects.ts")).loadObjects();
      } catch (e) {
        return Datapath.failed(cfg, log, `BPF objects are not available (build them with make -C bpf): ${(e as Error).message}`);
      }
    }
    const opened: BpfObject[] = [];
    try {
      ensureBpffs(dp.bpffs, log);
      const p = pinPaths(dp.bpffs);
      const adopted = existsSync(p.map("eg_counters"));

      // ingress object: steering + policy, tc or sk_lookup
      const ing = BpfObject.openMem(objects.ingress, "ingress.bpf.o");
      opened.push(ing);
      // eg_syns (tc's last SYN per 4-tuple) is transient: a fresh one per load, never pinned
      for (const name of ing.mapNames()) if (name in MAPS) ing.setPinPath(name, p.map(name as MapName));
      ing.setAutoload("edgegate_tc_ingress", dp.mode === "tc");
      ing.setAutoload("edgegate_sk_lookup", dp.mode === "sklookup");
      const upgraded = Datapath.loadObject(ing, dp.bpffs, log);
      const m = (o: BpfObject, name: MapName): BpfMap => new BpfMap(name, o.mapFd(name), MAPS[name].key, MAPS[name].value);
      const shared: SharedMaps = { counters: m(ing, "eg_counters"), labels: m(ing, "eg_labels") };
      const ingress = {
        steer: m(ing, "eg_steer"),
        policy: m(ing, "eg_policy"),
        cidr4: m(ing, "eg_cidr4"),
        cidr6: m(ing, "eg_cidr6"),
        ranges: m(ing, "eg_ranges"),
        listeners: m(ing, "eg_listeners"),
      };

      // the new mode's program is attached before the other mode's goes: steering never pauses
      if (dp.mode === "tc") {
        Datapath.attachTc(ing.progFd("edgegate_tc_ingress"), dp.interfaces, dp.bpffs, opts.legacyTc === true, log);
        Datapath.detachSkLookup(dp.bpffs, log);
      } else {
        Datapath.attachSkLookup(ing.progFd("edgegate_sk_lookup"), dp.bpffs, log);
        Datapath.detachTc(dp.bpffs, dp.interfaces, log);
      }

      let egress: EgressMaps | undefined;
      if (opts.egressCgroup) {
        const eg = BpfObject.openMem(objects.egress, "egress.bpf.o");
        opened.push(eg);
        for (const name of eg.mapNames()) eg.setPinPath(name, p.map(name as MapName));
        upgraded.push(...Datapath.loadObject(eg, dp.bpffs, log));
        egress = { egress4: m(eg, "eg_egress4"), egress6: m(eg, "eg_egress6") };
        // fresh maps: allow loopback before the programs start refusing connections (adopted
        // maps keep what they hold until the first apply(): nothing is pruned here)
        if (egress.egress4.keys().length === 0 && egress.egress6.keys().length === 0)
          reconcile(shared, undefined, egress, { steering: [], policies: [], egress: [], mesh: [] }, LOOPBACK_EGRESS);
        Datapath.attachCgroup(eg, opts.egressCgroup, dp.bpffs, log);
      }
      const mesh = Datapath.openMesh(objects.mesh, dp.bpffs, opts.egressCgroup, log);
      const start = adopted ? "adopted" : "fresh";
      log.info("datapath ready", { mode: dp.mode, start, bpffs: dp.bpffs, interfaces: dp.interfaces, egressCgroup: opts.egressCgroup });
      const d = new Datapath(dp.mode, dp.bpffs, log, undefined, opened, shared, ingress, egress, start, opts.egressCgroup);
      d.upgraded = upgraded;
      d.mesh = mesh;
      return d;
    } catch (e) {
      for (const o of opened) o.close();
      return Datapath.failed(cfg, log, (e as Error).message);
    }
  }

  /**
   * GAMMA steering for every process on the node: attached to the cgroup v2 root, so a connect()
   * from anywhere to a mesh Service reaches its mesh listener; Envoy's own cgroup is skipped. A
   * failure here leaves the Gateway datapath working and says why in status.
   */
  private static openMesh(bytes: Uint8Array | undefined, bpffs: string, envoyCgroup: string | undefined, log: Logger): MeshSteering | string {
    if (!bytes) return "mesh.bpf.o is not available";
    const root = cgroup2Root();
    if (!root) return "no cgroup2 mount found: node-local clients of mesh Services are not steered";
    try {
      const m = MeshSteering.open(bytes, { bpffs, cgroup: root });
      if (envoyCgroup && existsSync(envoyCgroup)) m.skipCgroup(envoyCgroup);
      log.info("mesh steering attached", { cgroup: root });
      return m;
    } catch (e) {
      const reason = `mesh steering: ${(e as Error).message}`;
      log.warn("mesh steering disabled", { reason });
      return reason;
    }
  }

  private static failed(cfg: ApplianceConfig, log: Logger, reason: string): Datapath {
    log.error("datapath disabled", { reason });
    return Datapath.disabled(cfg, log, reason);
  }

  /**
   * Loads `o`, replacing pinned maps whose shape an older edgegate left (upgrade.ts) and copying
   * what converts before any link moves to the new programs. Returns the maps replaced.
   */
  private static loadObject(o: BpfObject, bpffs: string, log: Logger): string[] {
    const p = pinPaths(bpffs);
    const upgrade = PinUpgrade.prepare(o, (name) => p.map(name), log);
    try {
      o.load();
    } catch (e) {
      upgrade.restore();
      if (isMapMismatch(e))
        throw new Error(`${(e as Error).message} (maps pinned under ${bpffs} may come from an incompatible edgegate version: run edgegate datapath cleanup)`);
      throw e;
    }
    return upgrade.finish(o);
  }

  /** tcx link per interface (pinned; adopted with bpf_link_update); legacy tc filter when tcx is missing. */
  private static attachTc(progFd: number, ifnames: readonly string[], bpffs: string, preferLegacy: boolean, log: Logger): void {
    const p = pinPaths(bpffs);
    for (const ifname of ifnames) {
      const pin = p.tcx(ifname);
      const pinned = objGetIfPinned(pin);
      if (pinned !== undefined) {
        try {
          linkUpdate(pinned, progFd, `tcx ${ifname} ingress`);
        } finally {
          closeFd(pinned);
        }
        log.info("adopted tcx link", { interface: ifname, pin });
        continue;
      }
      const ifindex = ifNameToIndex(ifname);
      if (!preferLegacy) {
        try {
          const fd = linkCreate(progFd, ifindex, ATTACH.tcxIngress, `tcx ${ifname} ingress`);
          try {
            objPin(fd, pin);
          } finally {
            closeFd(fd);
          }
          log.info("attached tcx link", { interface: ifname, pin });
          continue;
        } catch (e) {
          // kernels before 6.6 have no tcx: EINVAL; fall back to a clsact filter
          if (!(e instanceof BpfError) || e.errno !== 22) throw e;
          log.warn("tcx unavailable, using a legacy tc filter", { interface: ifname });
        }
      }
      const progId = legacyTc.attach(ifname, progFd, LEGACY_TC.handle, LEGACY_TC.priority);
      log.info("attached tc filter", { interface: ifname, progId });
    }
    // links for interfaces no longer configured go away
    const keep = new Set(ifnames.map((i) => `tcx-${i}`));
    for (const a of inspectPins(bpffs).attachments) {
      if (a.kind === "tcx" && a.pin && !keep.has(`tcx-${a.target}`)) {
        cleanupLink(a.pin);
        log.info("detached tcx link for an interface no longer configured", { interface: a.target });
      }
    }
  }

  /** Mode switched to tc: the sk_lookup link an earlier sklookup run pinned goes. */
  private static detachSkLookup(bpffs: string, log: Logger): void {
    const pin = pinPaths(bpffs).skLookup;
    if (!existsSync(pin)) return;
    cleanupLink(pin);
    log.info("detached sk_lookup link: datapath.mode is tc", { pin });
  }

  /** Mode switched to sklookup: tcx links and legacy tc filters of an earlier tc run go. */
  private static detachTc(bpffs: string, ifnames: readonly string[], log: Logger): void {
    for (const a of inspectPins(bpffs).attachments) {
      if (a.kind === "tcx" && a.pin) {
        cleanupLink(a.pin);
        log.info("detached tcx link: datapath.mode is sklookup", { interface: a.target });
      }
    }
    for (const ifname of new Set([...ifnames, ...listInterfaces()])) {
      try {
        if (legacyTc.detach(ifname, LEGACY_TC.handle, LEGACY_TC.priority)) log.info("removed tc filter: datapath.mode is sklookup", { interface: ifname });
      } catch {
        // an interface that vanished meanwhile has no filter left
      }
    }
  }

  private static attachSkLookup(progFd: number, bpffs: string, log: Logger): void {
    const pin = pinPaths(bpffs).skLookup;
    const pinned = objGetIfPinned(pin);
    if (pinned !== undefined) {
      try {
        linkUpdate(pinned, progFd, "sk_lookup");
      } finally {
        closeFd(pinned);
      }
      log.info("adopted sk_lookup link", { pin });
      return;
    }
    const ns = openFd("/proc/self/ns/net");
    try {
      const fd = linkCreate(progFd, ns, ATTACH.skLookup, "sk_lookup netns", "needs CAP_BPF and CAP_NET_ADMIN, and a kernel with sk_lookup (5.9+)");
      try {
        objPin(fd, pin);
      } finally {
        closeFd(fd);
      }
    } finally {
      closeFd(ns);
    }
    log.info("attached sk_lookup link", { pin });
  }

  private static attachCgroup(eg: BpfObject, cgroup: string, bpffs: string, log: Logger): void {
    if (!existsSync(cgroup)) {
      if (!existsSync(join(dirname(cgroup), "cgroup.procs")))
        throw new Error(`egress cgroup ${cgroup}: ${dirname(cgroup)} is not a cgroup v2 folder (is cgroup2 mounted there?)`);
      mkdirSync(cgroup);
    }
    const p = pinPaths(bpffs);
    const cg = openFd(cgroup, true);
    try {
      for (const [prog, type, pin, what] of [
        ["edgegate_connect4", ATTACH.cgroupInet4Connect, p.connect4, "cgroup connect4"],
        ["edgegate_connect6", ATTACH.cgroupInet6Connect, p.connect6, "cgroup connect6"],
      ] as const) {
        const progFd = eg.progFd(prog);
        const pinned = objGetIfPinned(pin);
        if (pinned !== undefined) {
          try {
            linkUpdate(pinned, progFd, what);
          } finally {
            closeFd(pinned);
          }
          log.info("adopted cgroup link", { cgroup, program: prog });
          continue;
        }
        const fd = linkCreate(progFd, cg, type, `${what} ${cgroup}`);
        try {
          objPin(fd, pin);
        } finally {
          closeFd(fd);
        }
        log.info("attached cgroup link", { cgroup, program: prog });
      }
    } finally {
      closeFd(cg);
    }
  }

  /** Brings the maps in line with the intent: adds, updates and removes only what differs. */
  async apply(intent: DatapathIntent): Promise<void> {
    if (!this.shared) return;
    const r = reconcile(this.shared, this.ingress, this.egress, intent, this.egress ? LOOPBACK_EGRESS : []);
    if (this.mesh instanceof MeshSteering) {
      const m = this.mesh.apply(intent.mesh);
      r.problems.push(...m.problems);
      r.maps["eg_mesh"] = { added: m.added, updated: m.updated, removed: m.removed };
    }
    // ranges are written either way (the maps are shared), but only the sk_lookup program reads them
    if (this.mode === "tc")
      for (const t of intent.steering)
        if (t.portEnd !== undefined && t.portEnd !== t.port)
          r.problems.push(
            `steering ${t.gateway}/${t.listener}: port range ${t.address}:${t.port}-${t.portEnd} is steered in sklookup mode only (datapath.mode is tc)`,
          );
    // steered addresses the node does not have get a local route (local-routes.ts)
    const routes = reconcileLocalRoutes(intent.steering);
    r.problems.push(...routes.problems);
    if (routes.added.length + routes.removed.length > 0) this.log.info("local routes updated", { added: routes.added, removed: routes.removed });
    this.lastApply = { at: new Date().toISOString(), changes: r.maps, problems: r.problems };
    for (const p of r.problems) this.log.warn("datapath intent entry skipped", { problem: p });
    const changed = Object.entries(r.maps).filter(([, c]) => c.added + c.updated + c.removed > 0);
    if (changed.length > 0) this.log.info("datapath maps updated", Object.fromEntries(changed.map(([n, c]) => [n, `+${c.added} ~${c.updated} -${c.removed}`])));
  }

  /**
   * sk_lookup mode: hands Envoy's listening socket (fd `fd` of process `pid`) to the program, in
   * the slot (family, address, envoyPort) that steering entries point at (reconcile.ts listenerSlot).
   */
  registerListener(family: Family, address: string, envoyPort: number, pid: number, fd: number, protocol: Protocol = "TCP"): void {
    if (!this.ingress) throw new Error(`datapath disabled: ${this.reason ?? ""}`);
    const dup = pidfdGetfd(pid, fd);
    try {
      this.registerListenerFd(family, address, envoyPort, dup, protocol);
    } finally {
      closeFd(dup);
    }
  }

  registerListenerFd(family: Family, address: string, envoyPort: number, fd: number, protocol: Protocol = "TCP"): void {
    if (!this.ingress) throw new Error(`datapath disabled: ${this.reason ?? ""}`);
    const v = new Uint8Array(8);
    new DataView(v.buffer).setBigUint64(0, BigInt(fd), true);
    this.ingress.listeners.update(slotKey(family, address, envoyPort, protocol), v);
  }

  /**
   * Forgets the socket of a slot: nothing steers there any more. (A closed socket leaves the
   * SOCKMAP by itself; this covers slots that stop being steered while Envoy lives.)
   */
  unregisterListener(family: Family, address: string, envoyPort: number, protocol: Protocol = "TCP"): void {
    this.listenerNotes.delete(noteKey({ family, address, port: envoyPort, ...(protocol === "UDP" ? { protocol } : {}) }));
    this.ingress?.listeners.delete(slotKey(family, address, envoyPort, protocol));
  }

  /** Records what the appliance knows about a listener slot, for status(). */
  noteListener(r: ListenerRegistration): void {
    this.listenerNotes.set(noteKey(r), r);
  }

  /** Puts a process (Envoy) into the egress cgroup. */
  addToEgressCgroup(pid: number): void {
    if (!this.egressCgroup || !this.egress) throw new Error("datapath: no egress cgroup configured");
    writeFileSync(join(this.egressCgroup, "cgroup.procs"), String(pid));
  }

  status(): DatapathStatus {
    const base: DatapathStatus = {
      mode: this.mode,
      enabled: this.enabled,
      ...(this.reason ? { reason: this.reason } : {}),
      bpffs: this.bpffs,
      ...(this.start ? { start: this.start } : {}),
      ...(this.egressCgroup ? { egressCgroup: this.egressCgroup } : {}),
      attachments: [],
      maps: {},
      counters: [],
      ...(this.lastApply ? { lastApply: this.lastApply } : {}),
      ...(this.listenerNotes.size > 0
        ? { listeners: [...this.listenerNotes.values()].sort((a, b) => a.family - b.family || a.port - b.port || a.address.localeCompare(b.address)) }
        : {}),
      ...(this.upgraded.length > 0 ? { upgraded: this.upgraded } : {}),
    };
    if (!this.enabled) return base;
    try {
      const s = inspectPins(this.bpffs);
      const mesh =
        this.mesh instanceof MeshSteering
          ? { cgroup: this.mesh.cgroup, services: this.mesh.counters() }
          : this.mesh !== undefined
            ? { off: this.mesh }
            : undefined;
      return { ...base, attachments: s.attachments, maps: s.maps, counters: s.counters, localRoutes: s.localRoutes, ...(mesh ? { mesh } : {}) };
    } catch (e) {
      return { ...base, reason: `status: ${(e as Error).message}` };
    }
  }

  /** Closes this process's handles; pinned links and maps stay, so traffic keeps flowing. */
  close(): void {
    for (const o of this.objs) o.close();
    this.objs.length = 0;
    if (this.mesh instanceof MeshSteering) this.mesh.close();
  }

  /** Detaches and removes everything edgegate attached and pinned. */
  cleanup(): { removed: string[]; problems: string[] } {
    this.close();
    return cleanupPins(this.bpffs, this.egressCgroup);
  }
}

function slotKey(family: Family, address: string, envoyPort: number, protocol: Protocol): Uint8Array {
  const ip = parseIp(address);
  if (!ip || ip.family !== family) throw new Error(`listener slot: ${address} is not an IPv${family} address`);
  return listenerKey(family, envoyPort, ip.bytes, protocol);
}

const noteKey = (r: Pick<ListenerRegistration, "family" | "address" | "port" | "protocol">): string =>
  `${r.family}/${r.protocol ?? "TCP"}/${r.address}/${r.port}`;

function cleanupLink(pin: string): void {
  const fd = objGetIfPinned(pin);
  if (fd !== undefined) {
    try {
      linkDetach(fd, pin);
    } finally {
      closeFd(fd);
    }
  }
  if (existsSync(pin)) unlinkSync(pin);
}
