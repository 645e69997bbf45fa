// Typed wrappers over libbpf objects, maps, links and tc hooks. File descriptors are plain numbers
// owned by the caller (closeFd); a BpfObject owns its programs' and maps' fds until close().
import type { Pointer } from "bun:ffi";
import { BpfError } from "./errors.ts";
import { check, closeFd, cstr, ifNameToIndex, lib, nonNull, openFd, ptrOrNull, quietly, readCString } from "./ffi.ts";
import { LINK_INFO, MAP_INFO, tcHook, tcOpts, tcOptsProgId, BPF_TC_F_REPLACE } from "./structs.ts";

export class BpfObject {
  private constructor(
    private obj: Pointer | null,
    readonly name: string,
    private readonly bytes: Uint8Array,
  ) {}

  /** bpf_object__open_mem: bytes of a .bpf.o (embedded in the binary, so no file path). */
  static openMem(bytes: Uint8Array, name: string): BpfObject {
    const { bpf } = lib();
    const obj = nonNull(bpf.bpf_object__open_mem(bytes, BigInt(bytes.byteLength), null), `bpf_object__open_mem(${name})`);
    return new BpfObject(obj, name, bytes);
  }

  private get ptr(): Pointer {
    if (!this.obj) throw new Error(`${this.name}: object is closed`);
    return this.obj;
  }

  mapNames(): string[] {
    const { bpf } = lib();
    const out: string[] = [];
    let m = ptrOrNull(bpf.bpf_object__next_map(this.ptr, null));
    while (m) {
      out.push(readCString(bpf.bpf_map__name(m)));
      m = ptrOrNull(bpf.bpf_object__next_map(this.ptr, m));
    }
    return out;
  }

  private map(name: string): Pointer {
    return nonNull(lib().bpf.bpf_object__find_map_by_name(this.ptr, cstr(name)), `bpf_object__find_map_by_name(${this.name}, ${name})`);
  }

  private prog(name: string): Pointer {
    return nonNull(lib().bpf.bpf_object__find_program_by_name(this.ptr, cstr(name)), `bpf_object__find_program_by_name(${this.name}, ${name})`);
  }

  /** Before load: the map is reused from `path` when pinned there (same definition), else pinned there. */
  setPinPath(map: string, path: string): void {
    check(lib().bpf.bpf_map__set_pin_path(this.map(map), cstr(path)), `bpf_map__set_pin_path(${map}, ${path})`);
  }

  /** The map as this object declares it (before load). */
  mapShape(name: string): MapShape {
    const { bpf } = lib();
    const m = this.map(name);
    return {
      type: bpf.bpf_map__type(m),
      keySize: bpf.bpf_map__key_size(m),
      valueSize: bpf.bpf_map__value_size(m),
      maxEntries: bpf.bpf_map__max_entries(m),
      flags: bpf.bpf_map__map_flags(m),
    };
  }

  setAutoload(prog: string, on: boolean): void {
    check(lib().bpf.bpf_program__set_autoload(this.prog(prog), on), `bpf_program__set_autoload(${prog})`);
  }

  load(): void {
    const rc = lib().bpf.bpf_object__load(this.ptr);
    // EACCES from a load is the verifier saying no (its log is printed above by libbpf); EPERM is privileges
    check(rc, `bpf_object__load(${this.name})`, rc === -13 ? "the kernel verifier rejected a program (see the libbpf log above)" : undefined);
  }

  mapFd(name: string): number {
    return check(lib().bpf.bpf_map__fd(this.map(name)), `bpf_map__fd(${name})`);
  }

  progFd(name: string): number {
    return check(lib().bpf.bpf_program__fd(this.prog(name)), `bpf_program__fd(${name})`);
  }

  close(): void {
    if (this.obj) lib().bpf.bpf_object__close(this.obj);
    this.obj = null;
    void this.bytes;
  }
}

/** Raw map access by fd: keys and values are the exact byte layouts of bpf/edgegate.h. */
export class BpfMap {
  constructor(
    readonly name: string,
    readonly fd: number,
    readonly keySize: number,
    readonly valueSize: number,
  ) {}

  update(key: Uint8Array, value: Uint8Array): void {
    check(lib().bpf.bpf_map_update_elem(this.fd, key, value, 0n), `bpf_map_update_elem(${this.name})`);
  }

  /** Returns false when the key was not there. */
  delete(key: Uint8Array): boolean {
    const rc = lib().bpf.bpf_map_delete_elem(this.fd, key);
    if (rc === -2) return false;
    check(rc, `bpf_map_delete_elem(${this.name})`);
    return true;
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const v = new Uint8Array(this.valueSize);
    const rc = lib().bpf.bpf_map_lookup_elem(this.fd, key, v);
    if (rc === -2) return undefined;
    check(rc, `bpf_map_lookup_elem(${this.name})`);
    return v;
  }

  /** Every key in the map (bounded by `max`). */
  keys(max = 1 << 20): Uint8Array[] {
    const { bpf } = lib();
    const out: Uint8Array[] = [];
    let prev: Uint8Array | null = null;
    for (let i = 0; i < max; i++) {
      const next = new Uint8Array(this.keySize);
      const rc = bpf.bpf_map_get_next_key(this.fd, prev, next);
      if (rc === -2) break;
      check(rc, `bpf_map_get_next_key(${this.name})`);
      out.push(next);
      prev = next;
    }
    return out;
  }

  entries(max?: number): Array<[Uint8Array, Uint8Array]> {
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (const k of this.keys(max)) {
      const v = this.lookup(k);
      if (v) out.push([k, v]);
    }
    return out;
  }
}

export function objGet(path: string): number {
  return check(lib().bpf.bpf_obj_get(cstr(path)), `bpf_obj_get(${path})`);
}

/** Like objGet, but undefined when nothing is pinned at path. */
export function objGetIfPinned(path: string): number | undefined {
  const rc = lib().bpf.bpf_obj_get(cstr(path));
  if (rc === -2) return undefined;
  return check(rc, `bpf_obj_get(${path})`);
}

export function objPin(fd: number, path: string): void {
  check(lib().bpf.bpf_obj_pin(fd, cstr(path)), `bpf_obj_pin(${path})`);
}

export function linkCreate(progFd: number, targetFd: number, attachType: number, what: string, hint?: string): number {
  return check(lib().bpf.bpf_link_create(progFd, targetFd, attachType, null), `bpf_link_create(${what})`, hint);
}

/** Atomically swaps the program behind a link: traffic never sees a gap. */
export function linkUpdate(linkFd: number, progFd: number, what: string): void {
  check(lib().bpf.bpf_link_update(linkFd, progFd, null), `bpf_link_update(${what})`);
}

export function linkDetach(linkFd: number, what: string): void {
  check(lib().bpf.bpf_link_detach(linkFd), `bpf_link_detach(${what})`);
}

/** What libbpf compares before it reuses a pinned map: type, key and value sizes, capacity, flags. */
export interface MapShape {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

export function mapInfo(fd: number, what: string): MapShape {
  const info = new Uint8Array(MAP_INFO.size);
  const len = new Uint32Array([MAP_INFO.size]);
  check(lib().bpf.bpf_obj_get_info_by_fd(fd, info, len), `bpf_obj_get_info_by_fd(${what})`);
  const v = new DataView(info.buffer);
  const u = (o: number): number => v.getUint32(o, true);
  return {
    type: u(MAP_INFO.type),
    keySize: u(MAP_INFO.key_size),
    valueSize: u(MAP_INFO.value_size),
    maxEntries: u(MAP_INFO.max_entries),
    flags: u(MAP_INFO.map_flags),
  };
}

export interface LinkInfo {
  type: string;
  id: number;
  progId: number;
  /** tcx: ifindex; netns: netns inode; cgroup: cgroup id (low 32 bits are enough to show). */
  target: number;
  attachType: number;
}

export function linkInfo(fd: number, what: string): LinkInfo {
  const info = new Uint8Array(LINK_INFO.size);
  const len = new Uint32Array([LINK_INFO.size]);
  check(lib().bpf.bpf_obj_get_info_by_fd(fd, info, len), `bpf_obj_get_info_by_fd(${what})`);
  const v = new DataView(info.buffer);
  const typeNum = v.getUint32(LINK_INFO.type, true);
  const type = ({ 3: "cgroup", 5: "netns", 11: "tcx" } as Record<number, string>)[typeNum] ?? `type ${typeNum}`;
  // union: cgroup {u64 cgroup_id; u32 attach_type}, netns {u32 netns_ino; u32 attach_type}, tcx {u32 ifindex; u32 attach_type}
  const target = typeNum === 3 ? Number(v.getBigUint64(LINK_INFO.union, true) & 0xffffffffn) : v.getUint32(LINK_INFO.union, true);
  const attachType = v.getUint32(LINK_INFO.union + (typeNum === 3 ? 8 : 4), true);
  return { type, id: v.getUint32(LINK_INFO.id, true), progId: v.getUint32(LINK_INFO.prog_id, true), target, attachType };
}

/** Legacy tc (clsact + direct-action filter) for kernels without tcx (< 6.6). Outlives the process. */
export const legacyTc = {
  attach(ifname: string, progFd: number, handle: number, priority: number): number {
    const { bpf } = lib();
    const ifindex = ifNameToIndex(ifname);
    const hook = tcHook(ifindex, 1);
    const rc = bpf.bpf_tc_hook_create(hook);
    if (rc < 0 && rc !== -17) check(rc, `bpf_tc_hook_create(${ifname} ingress)`, "needs CAP_NET_ADMIN");
    const opts = tcOpts({ progFd, flags: BPF_TC_F_REPLACE, handle, priority });
    check(bpf.bpf_tc_attach(hook, opts), `bpf_tc_attach(${ifname} ingress)`, "needs CAP_BPF and CAP_NET_ADMIN");
    return tcOptsProgId(opts);
  },
  /** Program id attached at handle/priority, or undefined. */
  query(ifname: string, handle: number, priority: number): number | undefined {
    let ifindex: number;
    try {
      ifindex = ifNameToIndex(ifname);
    } catch {
      return undefined;
    }
    const opts = tcOpts({ handle, priority });
    const rc = quietly(() => lib().bpf.bpf_tc_query(tcHook(ifindex, 1), opts));
    if (rc === -2 || rc === -22) return undefined;
    check(rc, `bpf_tc_query(${ifname} ingress)`);
    return tcOptsProgId(opts);
  },
  detach(ifname: string, handle: number, priority: number): boolean {
    let ifindex: number;
    try {
      ifindex = ifNameToIndex(ifname);
    } catch {
      return false;
    }
    const rc = quietly(() => lib().bpf.bpf_tc_detach(tcHook(ifindex, 1), tcOpts({ handle, priority })));
    if (rc === -2 || rc === -22) return false;
    check(rc, `bpf_tc_detach(${ifname} ingress)`);
    return true;
  },
};

export { openFd, closeFd, BpfError };
