// Byte layouts of the libbpf structs passed by pointer (libbpf 1.1, x86-64 and arm64: LP64).
// tests/datapath/layout.test.ts compiles a C program against <bpf/libbpf.h> and compares.
export const TC_HOOK = { size: 24, sz: 0, ifindex: 8, attach_point: 12, parent: 16 } as const;
export const TC_OPTS = { size: 32, sz: 0, prog_fd: 8, flags: 12, prog_id: 16, handle: 20, priority: 24 } as const;
/** struct bpf_link_info: the fields read for status (type, id, prog_id, then the union). */
/** struct bpf_map_info: the fields that make up a map's shape (the kernel fills up to the size given). */
export const MAP_INFO = { size: 40, type: 0, key_size: 8, value_size: 12, max_entries: 16, map_flags: 20 } as const;
export const LINK_INFO = { size: 64, type: 0, id: 4, prog_id: 8, union: 16 } as const;

export const BPF_TC_INGRESS = 1;
export const BPF_TC_EGRESS = 2;
export const BPF_TC_F_REPLACE = 1;

/** enum bpf_attach_type values used here (tcx ingress is newer than Debian 12's uapi headers). */
export const ATTACH = {
  cgroupInet4Connect: 10,
  cgroupInet6Connect: 11,
  skLookup: 36,
  tcxIngress: 46,
} as const;

/** enum bpf_link_type */
export const LINK_TYPE: Record<number, string> = {
  1: "raw_tracepoint",
  2: "tracing",
  3: "cgroup",
  4: "iter",
  5: "netns",
  6: "xdp",
  7: "perf_event",
  8: "kprobe_multi",
  9: "struct_ops",
  10: "netfilter",
  11: "tcx",
  12: "uprobe_multi",
  13: "netkit",
};

export function tcHook(ifindex: number, attachPoint: number): Uint8Array {
  const b = new Uint8Array(TC_HOOK.size);
  const v = new DataView(b.buffer);
  v.setBigUint64(TC_HOOK.sz, BigInt(TC_HOOK.size), true);
  v.setInt32(TC_HOOK.ifindex, ifindex, true);
  v.setUint32(TC_HOOK.attach_point, attachPoint, true);
  v.setUint32(TC_HOOK.parent, 0, true);
  return b;
}

export function tcOpts(o: { progFd?: number; flags?: number; handle: number; priority: number }): Uint8Array {
  const b = new Uint8Array(TC_OPTS.size);
  const v = new DataView(b.buffer);
  v.setBigUint64(TC_OPTS.sz, BigInt(TC_OPTS.size), true);
  v.setInt32(TC_OPTS.prog_fd, o.progFd ?? 0, true);
  v.setUint32(TC_OPTS.flags, o.flags ?? 0, true);
  v.setUint32(TC_OPTS.handle, o.handle, true);
  v.setUint32(TC_OPTS.priority, o.priority, true);
  return b;
}

export function tcOptsProgId(opts: Uint8Array): number {
  return new DataView(opts.buffer, opts.byteOffset).getUint32(TC_OPTS.prog_id, true);
}
