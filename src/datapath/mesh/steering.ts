// Loads bpf/mesh.bpf.o and keeps its maps equal to the mesh Services edgegate serves. The programs
// attach to a cgroup v2 folder (the root by default: every process on the node) through links
// pinned under <bpffs>/mesh, so steering survives an edgegate restart, and the next start adopts
// the links and updates only the entries that differ. Counters live in the entries themselves.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { BpfMap, BpfObject, closeFd, linkCreate, linkDetach, linkUpdate, objGetIfPinned, objPin, openFd } from "../libbpf/object.ts";
import { netnsCookie } from "../libbpf/ffi.ts";
import { MESH_KEY4_SIZE, MESH_KEY6_SIZE, MESH_VAL_SIZE, decodeMeshKey, decodeMeshValue, meshKey, meshValue, type MeshEntry } from "./layout.ts";

/** enum bpf_attach_type values of the four hooks (linux/bpf.h). */
const ATTACH_CONNECT4 = 10;
const ATTACH_CONNECT6 = 11;
const ATTACH_GETPEERNAME4 = 29;
const ATTACH_GETPEERNAME6 = 30;

const PROGRAMS = [
  ["edgegate_mesh_connect4", ATTACH_CONNECT4, "link_connect4"],
  ["edgegate_mesh_connect6", ATTACH_CONNECT6, "link_connect6"],
  ["edgegate_mesh_getpeername4", ATTACH_GETPEERNAME4, "link_getpeername4"],
  ["edgegate_mesh_getpeername6", ATTACH_GETPEERNAME6, "link_getpeername6"],
] as const;

const MAPS = ["eg_mesh4", "eg_mesh6", "eg_mesh_skip", "eg_mesh_orig", "eg_mesh_netns"] as const;

/**
 * Where cgroup v2 is mounted: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid
 * ones (systemd's legacy layout). Its root is the default mesh cgroup: every process on the node.
 */
export function cgroup2Root(mounts = readFileSync("/proc/mounts", "utf8")): string | undefined {
  for (const line of mounts.split("\n")) {
    const [, target, type] = line.split(" ");
    if (type === "cgroup2" && target) return target;
  }
  return undefined;
}

export interface MeshCounter extends MeshEntry {
  connections: number;
}

export class MeshSteering {
  private constructor(
    private readonly obj: BpfObject,
    private readonly m4: BpfMap,
    private readonly m6: BpfMap,
    private readonly skip: BpfMap,
    readonly cgroup: string,
    readonly pinDir: string,
  ) {}

  /** Loads the programs, reusing pinned maps, and attaches (or adopts) the four cgroup links. */
  static open(bytes: Uint8Array, opts: { bpffs: string; cgroup: string }): MeshSteering {
    const dir = join(opts.bpffs, "mesh");
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(opts.cgroup, "cgroup.procs"))) throw new Error(`mesh steering: ${opts.cgroup} is not a cgroup v2 folder (is cgroup2 mounted there?)`);
    const obj = BpfObject.openMem(bytes, "mesh.bpf.o");
    try {
      for (const m of MAPS) obj.setPinPath(m, join(dir, m));
      obj.load();
      const cg = openFd(opts.cgroup, true);
      try {
        for (const [prog, type, pin] of PROGRAMS) {
          const progFd = obj.progFd(prog);
          const pinned = objGetIfPinned(join(dir, pin));
          if (pinned !== undefined) {
            try {
              linkUpdate(pinned, progFd, `mesh ${pin}`);
            } finally {
              closeFd(pinned);
            }
            continue;
          }
          const fd = linkCreate(progFd, cg, type, `mesh ${prog} on ${opts.cgroup}`);
          try {
            objPin(fd, join(dir, pin));
          } finally {
            closeFd(fd);
          }
        }
      } finally {
        closeFd(cg);
      }
      const map = (name: string, k: number, v: number): BpfMap => new BpfMap(name, obj.mapFd(name), k, v);
      // Only sockets of this network namespace (where Envoy's loopback listeners are) are steered.
      const cookie = new Uint8Array(8);
      new DataView(cookie.buffer).setBigUint64(0, netnsCookie(), true);
      map("eg_mesh_netns", 4, 8).update(new Uint8Array(4), cookie);
      return new MeshSteering(
        obj,
        map("eg_mesh4", MESH_KEY4_SIZE, MESH_VAL_SIZE),
        map("eg_mesh6", MESH_KEY6_SIZE, MESH_VAL_SIZE),
        map("eg_mesh_skip", 8, 1),
        opts.cgroup,
        dir,
      );
    } catch (e) {
      obj.close();
      throw e;
    }
  }

  /**
   * Makes the maps hold exactly `entries`: new ones added, changed Envoy ports updated (counters
   * kept), the rest removed. Entries whose address is not an IP are returned as problems.
   */
  apply(entries: readonly MeshEntry[]): { added: number; updated: number; removed: number; problems: string[] } {
    const want = new Map<string, { map: BpfMap; key: Uint8Array; envoyPort: number }>();
    const problems: string[] = [];
    for (const e of entries) {
      const k = meshKey(e.address, e.port);
      if (!k) {
        problems.push(`mesh steering: ${e.address} is not an IP address`);
        continue;
      }
      want.set(`${k.family}/${Buffer.from(k.key).toString("hex")}`, { map: k.family === 4 ? this.m4 : this.m6, key: k.key, envoyPort: e.envoyPort });
    }
    let added = 0;
    let updated = 0;
    let removed = 0;
    for (const [family, map] of [
      [4, this.m4],
      [6, this.m6],
    ] as const) {
      for (const key of map.keys()) {
        const id = `${family}/${Buffer.from(key).toString("hex")}`;
        const w = want.get(id);
        if (!w) {
          if (map.delete(key)) removed++;
          continue;
        }
        const cur = map.lookup(key);
        if (cur && decodeMeshValue(cur).envoyPort !== w.envoyPort) {
          map.update(key, meshValue(w.envoyPort, decodeMeshValue(cur).connections));
          updated++;
        }
        want.delete(id);
      }
    }
    for (const w of want.values()) {
      w.map.update(w.key, meshValue(w.envoyPort));
      added++;
    }
    return { added, updated, removed, problems };
  }

  /** Processes in this cgroup (Envoy's, say) are never steered: Envoy must reach the real Service. */
  skipCgroup(path: string): void {
    const id = new Uint8Array(8);
    new DataView(id.buffer).setBigUint64(0, statSync(path, { bigint: true }).ino, true);
    this.skip.update(id, new Uint8Array([1]));
  }

  counters(): MeshCounter[] {
    const out: MeshCounter[] = [];
    for (const [family, map] of [
      [4, this.m4],
      [6, this.m6],
    ] as const) {
      for (const [k, v] of map.entries()) {
        const val = decodeMeshValue(v);
        out.push({ ...decodeMeshKey(family, k), envoyPort: val.envoyPort, connections: Number(val.connections) });
      }
    }
    return out.sort((a, b) => (a.address === b.address ? a.port - b.port : a.address < b.address ? -1 : 1));
  }

  /** Closes this process's handles; the pinned links keep steering. */
  close(): void {
    this.obj.close();
  }

  /** Detaches the links and removes the pins (uninstall, or the mesh turned off). */
  static remove(bpffs: string): string[] {
    const dir = join(bpffs, "mesh");
    if (!existsSync(dir)) return [];
    const removed: string[] = [];
    for (const name of readdirSync(dir)) {
      // A link is detached outright, even if some process still holds an fd to it.
      if (name.startsWith("link_")) {
        const fd = objGetIfPinned(join(dir, name));
        if (fd !== undefined) {
          try {
            linkDetach(fd, `mesh ${name}`);
          } finally {
            closeFd(fd);
          }
        }
      }
      unlinkSync(join(dir, name));
      removed.push(`mesh ${name}`);
    }
    rmdirSync(dir);
    return removed;
  }
}
