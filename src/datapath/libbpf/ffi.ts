// A small typed binding to Debian's libbpf.so.1 (package libbpf1, 1.1.x) and the few libc calls the
// loader needs. Loaded lazily: a machine without libbpf gets a clear reason, not a crash at import.
// Conventions of libbpf 1.x: int-returning calls give -errno; pointer-returning calls give NULL and
// set errno. Every wrapper here turns failure into a BpfError naming the call.
import { dlopen, read, CString, type Pointer } from "bun:ffi";
import { BpfError } from "./errors.ts";

const libbpfSymbols = {
  bpf_object__open_mem: { args: ["ptr", "u64", "ptr"], returns: "ptr" },
  bpf_object__load: { args: ["ptr"], returns: "i32" },
  bpf_object__close: { args: ["ptr"], returns: "void" },
  bpf_object__next_map: { args: ["ptr", "ptr"], returns: "ptr" },
  bpf_object__find_program_by_name: { args: ["ptr", "ptr"], returns: "ptr" },
  bpf_object__find_map_by_name: { args: ["ptr", "ptr"], returns: "ptr" },
  bpf_map__name: { args: ["ptr"], returns: "ptr" },
  bpf_map__set_pin_path: { args: ["ptr", "ptr"], returns: "i32" },
  bpf_map__fd: { args: ["ptr"], returns: "i32" },
  bpf_map__type: { args: ["ptr"], returns: "u32" },
  bpf_map__key_size: { args: ["ptr"], returns: "u32" },
  bpf_map__value_size: { args: ["ptr"], returns: "u32" },
  bpf_map__max_entries: { args: ["ptr"], returns: "u32" },
  bpf_map__map_flags: { args: ["ptr"], returns: "u32" },
  bpf_program__set_autoload: { args: ["ptr", "bool"], returns: "i32" },
  bpf_program__fd: { args: ["ptr"], returns: "i32" },
  bpf_map_update_elem: { args: ["i32", "ptr", "ptr", "u64"], returns: "i32" },
  bpf_map_lookup_elem: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  bpf_map_delete_elem: { args: ["i32", "ptr"], returns: "i32" },
  bpf_map_get_next_key: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  bpf_obj_pin: { args: ["i32", "ptr"], returns: "i32" },
  bpf_obj_get: { args: ["ptr"], returns: "i32" },
  bpf_obj_get_info_by_fd: { args: ["i32", "ptr", "ptr"], returns: "i32" },
  bpf_link_create: { args: ["i32", "i32", "u32", "ptr"], returns: "i32" },
  bpf_link_update: { args: ["i32", "i32", "ptr"], returns: "i32" },
  bpf_link_detach: { args: ["i32"], returns: "i32" },
  bpf_tc_hook_create: { args: ["ptr"], returns: "i32" },
  bpf_tc_hook_destroy: { args: ["ptr"], returns: "i32" },
  bpf_tc_attach: { args: ["ptr", "ptr"], returns: "i32" },
  bpf_tc_detach: { args: ["ptr", "ptr"], returns: "i32" },
  bpf_tc_query: { args: ["ptr", "ptr"], returns: "i32" },
  libbpf_set_print: { args: ["ptr"], returns: "ptr" },
} as const;

const libcSymbols = {
  __errno_location: { args: [], returns: "ptr" },
  if_nametoindex: { args: ["ptr"], returns: "u32" },
  close: { args: ["i32"], returns: "i32" },
  open: { args: ["ptr", "i32"], returns: "i32" },
  mount: { args: ["ptr", "ptr", "ptr", "u64", "ptr"], returns: "i32" },
  syscall: { args: ["i64", "i64", "i64", "i64"], returns: "i64" },
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  getsockopt: { args: ["i32", "i32", "i32", "ptr", "ptr"], returns: "i32" },
} as const;

type Libbpf = ReturnType<typeof dlopen<typeof libbpfSymbols>>["symbols"];
type Libc = ReturnType<typeof dlopen<typeof libcSymbols>>["symbols"];

let cached: { bpf: Libbpf; c: Libc } | undefined;

/** Throws a readable error when libbpf.so.1 cannot be loaded. */
export function lib(): { bpf: Libbpf; c: Libc } {
  if (cached) return cached;
  let bpf: Libbpf;
  try {
    bpf = dlopen("libbpf.so.1", libbpfSymbols).symbols;
  } catch (e) {
    throw new Error(`dlopen(libbpf.so.1) failed — install Debian package libbpf1 (${(e as Error).message})`);
  }
  const c = dlopen("libc.so.6", libcSymbols).symbols;
  cached = { bpf, c };
  return cached;
}

export const cstr = (s: string): Buffer => Buffer.from(s + "\0");

export function errno(): number {
  const p = lib().c.__errno_location();
  return p ? read.i32(p, 0) : 0;
}

/** int-returning libbpf call: negative is -errno. */
export function check(rc: number, call: string, hint?: string): number {
  if (rc < 0) throw new BpfError(call, -rc, hint);
  return rc;
}

/** Pointer-returning libbpf call: NULL means failure with errno set. */
export function nonNull(p: Pointer | bigint | null, call: string): Pointer {
  if (!p) throw new BpfError(call, errno() || 22);
  return (typeof p === "bigint" ? Number(p) : p) as Pointer;
}

export function ptrOrNull(p: Pointer | bigint | null): Pointer | null {
  if (!p) return null;
  return (typeof p === "bigint" ? Number(p) : p) as Pointer;
}

export function closeFd(fd: number): void {
  if (fd >= 0) lib().c.close(fd);
}

export function ifNameToIndex(name: string): number {
  const i = lib().c.if_nametoindex(cstr(name));
  if (!i) throw new BpfError(`if_nametoindex(${name})`, errno() || 19);
  return i;
}

export function readCString(p: Pointer | bigint | null): string {
  const q = ptrOrNull(p);
  return q ? new CString(q).toString() : "";
}

const O_RDONLY = 0;
const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;

/** open(2) read-only with O_CLOEXEC; a directory when dir (cgroups). */
export function openFd(path: string, dir = false): number {
  const fd = lib().c.open(cstr(path), O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
  if (fd < 0) throw new BpfError(`open(${path})`, errno());
  return fd;
}

export function mountBpffs(target: string): void {
  const rc = lib().c.mount(cstr("bpf"), cstr(target), cstr("bpf"), 0n, null);
  if (rc < 0) throw new BpfError(`mount(bpf, ${target})`, errno(), "needs CAP_SYS_ADMIN to mount bpffs");
}

const SYS_pidfd_open = 434;
const SYS_pidfd_getfd = 438;

/** Duplicates file descriptor `fd` of process `pid` into this process (Envoy's listener socket). */
export function pidfdGetfd(pid: number, fd: number): number {
  const { c } = lib();
  const pidfd = Number(c.syscall(BigInt(SYS_pidfd_open), BigInt(pid), 0n, 0n));
  if (pidfd < 0) throw new BpfError(`pidfd_open(${pid})`, errno());
  try {
    const dup = Number(c.syscall(BigInt(SYS_pidfd_getfd), BigInt(pidfd), BigInt(fd), 0n));
    if (dup < 0) throw new BpfError(`pidfd_getfd(${pid}, ${fd})`, errno(), "needs CAP_SYS_PTRACE over the process");
    return dup;
  } finally {
    c.close(pidfd);
  }
}

/** Runs fn with libbpf's stderr printing off (probing calls whose failure is an answer, not an error). */
export function quietly<T>(fn: () => T): T {
  const { bpf } = lib();
  const prev = bpf.libbpf_set_print(null);
  try {
    return fn();
  } finally {
    bpf.libbpf_set_print(ptrOrNull(prev));
  }
}

/**
 * The network namespace cookie of this process's namespace (SO_NETNS_COOKIE, Linux 5.14): what a
 * BPF program's bpf_get_netns_cookie() returns for sockets of this namespace.
 */
export function netnsCookie(): bigint {
  const { c } = lib();
  const AF_INET = 2;
  const SOCK_DGRAM = 2;
  const SOL_SOCKET = 1;
  const SO_NETNS_COOKIE = 71;
  const fd = c.socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) throw new BpfError("socket(AF_INET, SOCK_DGRAM)", errno());
  try {
    const v = new BigUint64Array(1);
    const len = new Uint32Array([8]);
    if (c.getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, v, len) !== 0) throw new BpfError("getsockopt(SO_NETNS_COOKIE)", errno());
    return v[0]!;
  } finally {
    c.close(fd);
  }
}
