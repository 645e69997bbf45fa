// Who is on the other end of a Unix socket: SO_PEERCRED gives the pid, uid and gid the kernel
// recorded when the peer called connect(), and the peer cannot forge them. Used to tell the Envoy
// edgegate supervises from any other local process on the xDS socket.
//
// Bun's node:net sockets (which node:http2 runs on) expose their file descriptor as
// `socket._handle.fd`; getsockopt is called through bun:ffi on libc. Anything unexpected (no fd,
// no libc, a TCP socket) gives undefined: the caller then treats the peer as unidentified.
import { dlopen, ptr } from "bun:ffi";

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

type Libc = { getsockopt: (fd: number, level: number, name: number, value: ReturnType<typeof ptr>, len: ReturnType<typeof ptr>) => number };
let libc: Libc | null | undefined;

function load(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    libc = dlopen("libc.so.6", { getsockopt: { args: ["i32", "i32", "i32", "ptr", "ptr"], returns: "i32" } }).symbols as unknown as Libc;
  } catch {
    libc = null;
  }
  return libc;
}

/** SO_PEERCRED of a connected Unix socket's fd; undefined when it cannot be read. */
export function peerCredentials(fd: number): PeerCredentials | undefined {
  const c = load();
  if (!c || !Number.isInteger(fd) || fd < 0) return undefined;
  const cred = new Int32Array(3); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
  const len = new Uint32Array([12]);
  if (c.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ptr(cred), ptr(len)) !== 0 || len[0] !== 12) return undefined;
  return { pid: cred[0]!, uid: cred[1]!, gid: cred[2]! };
}

/** The fd under a node:net socket as Bun implements it (not part of Node's public API). */
export function socketFd(socket: unknown): number | undefined {
  const fd = (socket as { _handle?: { fd?: unknown } } | undefined)?._handle?.fd;
  return typeof fd === "number" ? fd : undefined;
}
