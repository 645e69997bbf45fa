// libbpf and syscall failures as exceptions that name the call, the errno and what usually fixes it:
//   bpf_link_create(tcx eth0 ingress): EPERM — needs CAP_BPF and CAP_NET_ADMIN (or root)
const names: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  5: "EIO",
  7: "E2BIG",
  9: "EBADF",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  17: "EEXIST",
  19: "ENODEV",
  20: "ENOTDIR",
  22: "EINVAL",
  24: "EMFILE",
  28: "ENOSPC",
  34: "ERANGE",
  38: "ENOSYS",
  95: "EOPNOTSUPP",
  524: "ENOTSUPP",
  4001: "LIBBPF_ERRNO__LIBELF",
  4002: "LIBBPF_ERRNO__FORMAT",
  4003: "LIBBPF_ERRNO__KVERSION",
  4004: "LIBBPF_ERRNO__ENDIAN",
  4005: "LIBBPF_ERRNO__INTERNAL",
  4006: "LIBBPF_ERRNO__RELOC",
  4007: "LIBBPF_ERRNO__LOAD",
  4008: "LIBBPF_ERRNO__VERIFY",
  4009: "LIBBPF_ERRNO__PROG2BIG",
  4010: "LIBBPF_ERRNO__KVER",
  4011: "LIBBPF_ERRNO__PROGTYPE",
  4012: "LIBBPF_ERRNO__WRNGPID",
  4013: "LIBBPF_ERRNO__INVSEQ",
  4014: "LIBBPF_ERRNO__NLPARSE",
};

const hints: Record<number, string> = {
  1: "needs CAP_BPF and CAP_NET_ADMIN (or root)",
  13: "needs CAP_BPF and CAP_NET_ADMIN (or root)",
  2: "not found",
  12: "out of memory (locked memory limit or map too large)",
  16: "busy: something else is attached there",
  17: "already exists",
  19: "no such device",
  28: "map is full",
  95: "not supported by this kernel",
  524: "not supported by this kernel",
  4007: "the kernel refused the program",
  4008: "the verifier rejected the program",
};

export function errnoName(errno: number): string {
  return names[errno] ?? `errno ${errno}`;
}

export class BpfError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
    hint?: string,
  ) {
    const h = hint ?? hints[errno];
    super(`${call}: ${errnoName(errno)}${h ? ` — ${h}` : ""}`);
    this.name = "BpfError";
  }
}
