// The one parser for every listen address in the configuration and on the command line
// (health.address, admin.address, xds.tcpAddress, envoy.adminAddress, `status --admin`). The
// configuration is parsed once, at load (src/config/check.ts), into these typed values, and what
// runs binds and connects with them: an address that passes `edgegate run`'s check cannot fail
// later for its syntax, because nothing parses it again.
import { canonicalIp, isIPv4, isIPv6 } from "./ip.ts";

export type ListenAddress = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };
export type TcpAddress = Extract<ListenAddress, { kind: "tcp" }>;

export class AddressError extends Error {
  override name = "AddressError";
}

/**
 * "0.0.0.0:10266", "127.0.0.1:9901", "[::1]:9901", "[0:0:0:0:0:0:0:1]:9901", ":10266" (all IPv4),
 * "localhost:9901" (taken as 127.0.0.1: Envoy's socket_address needs an IP) and "unix:///abs/path".
 * Port 0 means "any free port". Host names other than localhost are refused: a listen address is
 * an address of this host, and a name could resolve to anything.
 */
export function parseAddress(text: string, what: string): ListenAddress {
  if (text.startsWith("unix://")) {
    const path = text.slice("unix://".length);
    if (!path.startsWith("/")) throw new AddressError(`${what} "${text}": a Unix socket needs an absolute path, e.g. unix:///run/edgegate/admin.sock`);
    return { kind: "unix", path };
  }
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (!m) throw new AddressError(`${what} "${text}": expected IPv4:PORT, [IPv6]:PORT or unix:///PATH (e.g. 127.0.0.1:9901)`);
  const port = Number(m[3]);
  if (port > 65535) throw new AddressError(`${what} "${text}": port ${port} is out of range (0-65535)`);
  if (m[1] !== undefined) {
    if (!isIPv6(m[1])) throw new AddressError(`${what} "${text}": "${m[1]}" is not an IPv6 address`);
    return { kind: "tcp", host: canonicalIp(m[1]), port };
  }
  const host = m[2]!;
  if (host === "") return { kind: "tcp", host: "0.0.0.0", port };
  if (host === "localhost") return { kind: "tcp", host: "127.0.0.1", port };
  if (!isIPv4(host)) throw new AddressError(`${what} "${text}": "${host}" is not an IPv4 address (write IPv6 as [ADDRESS]:PORT)`);
  return { kind: "tcp", host, port };
}

/** True for 127.0.0.0/8 and ::1 (any spelling), the addresses only this host can reach. */
export function isLoopbackIp(host: string): boolean {
  if (isIPv4(host)) return host.startsWith("127.");
  return isIPv6(host) && canonicalIp(host) === "::1";
}

/** A Unix socket or a loopback TCP address: reachable only from this host. */
export function isLocalOnly(a: ListenAddress): boolean {
  return a.kind === "unix" || isLoopbackIp(a.host);
}

export function formatAddress(a: ListenAddress): string {
  if (a.kind === "unix") return `unix://${a.path}`;
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
