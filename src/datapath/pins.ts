// Where edgegate pins its BPF state, and reading/removing it without loading anything: used by
// `edgegate datapath status|cleanup` (another process than the appliance) and by the appliance.
import { existsSync, readdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from "node:fs";
import { MeshSteering } from "./mesh/steering.ts";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { readLocalRoutes, removeLocalRoutes } from "./local-routes.ts";
import { BpfMap, closeFd, legacyTc, linkDetach, linkInfo, objGetIfPinned, type LinkInfo } from "./libbpf/object.ts";
import { LAYOUT, SLOT, decodeCounter, decodeLabel, decodeSlot32, u32Key } from "./layout.ts";

/** Every map edgegate pins: key and value sizes and capacity (as declared in bpf/). */
export const MAPS = {
  eg_steer: { key: LAYOUT.eg_steer_key.size, value: LAYOUT.eg_steer_val.size, max: 4096 },
  eg_policy: { key: LAYOUT.eg_policy_key.size, value: LAYOUT.eg_policy_val.size, max: 4096 },
  eg_cidr4: { key: LAYOUT.eg_cidr4_key.size, value: LAYOUT.eg_rule_val.size, max: 65536 },
  eg_cidr6: { key: LAYOUT.eg_cidr6_key.size, value: LAYOUT.eg_rule_val.size, max: 65536 },
  eg_listeners: { key: LAYOUT.eg_listener_key.size, value: 8, max: 1024 },
  eg_ranges: { key: LAYOUT.eg_range_key.size, value: LAYOUT.eg_range_val.size, max: 4096 },
  eg_egress4: { key: LAYOUT.eg_egress4_key.size, value: LAYOUT.eg_egress_val.size, max: 16384 },
  eg_egress6: { key: LAYOUT.eg_egress6_key.size, value: LAYOUT.eg_egress_val.size, max: 16384 },
  eg_counters: { key: 4, value: LAYOUT.eg_counter.size, max: SLOT.max },
  eg_labels: { key: 4, value: LAYOUT.eg_label.size, max: SLOT.max },
} as const;
export type MapName = keyof typeof MAPS;

/** Legacy tc filter identity (kernels without tcx): distinctive handle and priority. */
export const LEGACY_TC = { handle: 0x6567, priority: 0x6567 } as const;

export const pinPaths = (bpffs: string) => ({
  maps: join(bpffs, "maps"),
  links: join(bpffs, "links"),
  map: (name: MapName) => join(bpffs, "maps", name),
  tcx: (ifname: string) => join(bpffs, "links", `tcx-${ifname}`),
  skLookup: join(bpffs, "links", "sk_lookup"),
  connect4: join(bpffs, "links", "cgroup-connect4"),
  connect6: join(bpffs, "links", "cgroup-connect6"),
});

export function openPinnedMap(bpffs: string, name: MapName): BpfMap | undefined {
  const fd = objGetIfPinned(pinPaths(bpffs).map(name));
  if (fd === undefined) return undefined;
  return new BpfMap(name, fd, MAPS[name].key, MAPS[name].value);
}

export interface Attachment {
  kind: "tcx" | "tc" | "sk_lookup" | "cgroup_connect4" | "cgroup_connect6";
  /** Interface, network namespace or cgroup. */
  target: string;
  pin?: string;
  linkId?: number;
  progId?: number;
}

export interface Counter {
  slot: number;
  label: string;
  conns: number;
  packets: number;
}

export interface PinnedState {
  bpffs: string;
  attachments: Attachment[];
  maps: Record<string, { entries: number; max: number }>;
  counters: Counter[];
  /** Local routes edgegate installed for steered addresses the node does not have (local-routes.ts). */
  localRoutes: string[];
}

const fixedLabels: Record<number, string> = {
  [SLOT.noListener]: "steered, Envoy not listening (reset)",
  [SLOT.assignError]: "bpf_sk_assign failed (reset)",
  [SLOT.egressDenied]: "egress connect() denied (EPERM)",
};

function linkKind(name: string): { kind: Attachment["kind"]; target: string } | undefined {
  if (name.startsWith("tcx-")) return { kind: "tcx", target: name.slice(4) };
  if (name === "sk_lookup") return { kind: "sk_lookup", target: "netns" };
  if (name === "cgroup-connect4") return { kind: "cgroup_connect4", target: "cgroup" };
  if (name === "cgroup-connect6") return { kind: "cgroup_connect6", target: "cgroup" };
  return undefined;
}

/**
 * Interfaces of this process's network namespace. /sys/class/net shows the namespace sysfs was
 * mounted in (under `nsenter --net` that is another one), so ask the kernel through `ip`.
 */
export function listInterfaces(): string[] {
  const r = spawnSync("ip", ["-j", "link", "show"], { encoding: "utf8", timeout: 10_000 });
  if (r.status === 0) {
    try {
      return (JSON.parse(r.stdout) as Array<{ ifname?: string }>).map((l) => l.ifname ?? "").filter((n) => n !== "");
    } catch {
      // fall through to sysfs
    }
  }
  try {
    return readdirSync("/sys/class/net");
  } catch {
    return [];
  }
}
const interfaces = listInterfaces;

/** What is pinned and attached under bpffs, with map sizes and every labelled counter. */
export function inspectPins(bpffs: string): PinnedState {
  const p = pinPaths(bpffs);
  const attachments: Attachment[] = [];
  if (existsSync(p.links)) {
    for (const name of readdirSync(p.links).sort()) {
      const k = linkKind(name);
      if (!k) continue;
      const pin = join(p.links, name);
      const fd = objGetIfPinned(pin);
      if (fd === undefined) continue;
      let info: LinkInfo | undefined;
      try {
        info = linkInfo(fd, pin);
      } finally {
        closeFd(fd);
      }
      attachments.push({ ...k, pin, linkId: info.id, progId: info.progId });
    }
  }
  for (const ifname of interfaces()) {
    const progId = legacyTc.query(ifname, LEGACY_TC.handle, LEGACY_TC.priority);
    if (progId !== undefined) attachments.push({ kind: "tc", target: ifname, progId });
  }
  const maps: PinnedState["maps"] = {};
  const open: Partial<Record<MapName, BpfMap>> = {};
  try {
    for (const name of Object.keys(MAPS) as MapName[]) {
      const m = openPinnedMap(bpffs, name);
      if (!m) continue;
      open[name] = m;
      // arrays always hold max entries; count what is meaningful instead
      maps[name] = { entries: name === "eg_counters" ? 0 : m.keys().length, max: MAPS[name].max };
    }
    const counters: Counter[] = [];
    const slots = new Map<number, string>(Object.entries(fixedLabels).map(([s, l]) => [Number(s), l]));
    if (open.eg_labels) for (const [k, v] of open.eg_labels.entries()) slots.set(decodeSlot32(k), decodeLabel(v));
    if (open.eg_counters) {
      for (const [slot, label] of [...slots].sort((a, b) => a[0] - b[0])) {
        const v = open.eg_counters.lookup(u32Key(slot));
        const c = v ? decodeCounter(v) : { conns: 0, packets: 0 };
        counters.push({ slot, label, ...c });
      }
      maps["eg_counters"] = { entries: counters.length, max: MAPS.eg_counters.max };
    }
    let localRoutes: string[] = [];
    try {
      localRoutes = [...readLocalRoutes().ours].sort();
    } catch {
      // no iproute2: nothing of ours can be there either
    }
    return { bpffs, attachments, maps, counters, localRoutes };
  } finally {
    for (const m of Object.values(open)) closeFd(m.fd);
  }
}

/** Moves every process out of cgroup dir into its parent, then removes it. */
function removeCgroup(dir: string, removed: string[], problems: string[]): void {
  if (!existsSync(dir)) return;
  try {
    const procs = readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean);
    for (const pid of procs) {
      try {
        writeFileSync(join(dir, "..", "cgroup.procs"), pid);
      } catch {
        // the process may have exited meanwhile
      }
    }
    rmdirSync(dir);
    removed.push(`cgroup ${dir}`);
  } catch (e) {
    problems.push(`rmdir ${dir}: ${(e as Error).message}`);
  }
}

/**
 * Detaches every link edgegate pinned (detach first, so no other holder keeps it attached), removes
 * legacy tc filters with edgegate's handle, every pin and folder under bpffs, and the Envoy cgroup.
 */
export function cleanupPins(bpffs: string, egressCgroup?: string): { removed: string[]; problems: string[] } {
  const p = pinPaths(bpffs);
  const removed: string[] = [];
  const problems: string[] = [];
  if (existsSync(p.links)) {
    for (const name of readdirSync(p.links)) {
      const pin = join(p.links, name);
      try {
        const fd = objGetIfPinned(pin);
        if (fd !== undefined) {
          try {
            linkDetach(fd, pin);
          } catch (e) {
            problems.push((e as Error).message);
          } finally {
            closeFd(fd);
          }
        }
        unlinkSync(pin);
        removed.push(`link ${name}`);
      } catch (e) {
        problems.push(`${pin}: ${(e as Error).message}`);
      }
    }
  }
  for (const ifname of interfaces()) {
    try {
      if (legacyTc.detach(ifname, LEGACY_TC.handle, LEGACY_TC.priority)) removed.push(`tc filter ${ifname} ingress`);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (existsSync(p.maps)) {
    for (const name of readdirSync(p.maps)) {
      try {
        unlinkSync(join(p.maps, name));
        removed.push(`map ${name}`);
      } catch (e) {
        problems.push(`${name}: ${(e as Error).message}`);
      }
    }
  }
  // GAMMA steering keeps its pins in a folder of its own (src/datapath/mesh): its links go too.
  try {
    removed.push(...MeshSteering.remove(bpffs));
  } catch (e) {
    problems.push(`mesh: ${(e as Error).message}`);
  }
  for (const dir of [p.links, p.maps, bpffs]) {
    try {
      if (existsSync(dir)) rmdirSync(dir);
    } catch (e) {
      problems.push(`rmdir ${dir}: ${(e as Error).message}`);
    }
  }
  if (egressCgroup) removeCgroup(egressCgroup, removed, problems);
  const routes = removeLocalRoutes();
  removed.push(...routes.removed.map((a) => `local route ${a}`));
  problems.push(...routes.problems);
  return { removed, problems };
}
