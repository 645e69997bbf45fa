// Envoy's admin API can reconfigure and stop the proxy, so it is only ever bound where nothing but
// this host can reach it: a Unix socket or a loopback address. Parsed once, used by the bootstrap
// (where Envoy binds it) and by the supervisor (where edgegate talks to it).

export type AdminAddress = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

export class AdminAddressError extends Error {
  override name = "AdminAddressError";
}

/** True for 127.0.0.0/8 and ::1, the only TCP addresses the admin API may listen on. */
export function isLoopbackIp(host: string): boolean {
  if (host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return false;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) && octets[0] === 127;
}

/**
 * Accepts "unix:///abs/path", "127.0.0.1:9902", "[::1]:9902" and "localhost:9902" (taken as
 * 127.0.0.1, because Envoy's socket_address needs an IP, not a name).
 */
export function parseAdminAddress(text: string): AdminAddress {
  const what = `envoy.adminAddress "${text}"`;
  if (text.startsWith("unix://")) {
    const path = text.slice("unix://".length);
    if (!path.startsWith("/")) throw new AdminAddressError(`${what}: a Unix socket needs an absolute path, e.g. unix:///run/edgegate/envoy-admin.sock`);
    return { kind: "unix", path };
  }
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d+)$/.exec(text);
  if (!m) throw new AdminAddressError(`${what}: expected unix:///PATH or HOST:PORT with a loopback HOST (127.0.0.1 or [::1])`);
  let host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AdminAddressError(`${what}: port must be 1..65535`);
  if (host === "localhost") host = "127.0.0.1";
  if (!isLoopbackIp(host)) {
    throw new AdminAddressError(
      `${what}: Envoy's admin API must listen on loopback (127.0.0.1, [::1]) or a Unix socket; ` +
        `"${host}" would let other machines reconfigure or stop the proxy`,
    );
  }
  return { kind: "tcp", host, port };
}

/** The URL and fetch options that reach the admin API at `addr`. */
export function adminRequestTarget(addr: AdminAddress, path: string): { url: string; unix?: string } {
  if (addr.kind === "unix") return { url: `http://localhost${path}`, unix: addr.path };
  const host = addr.host.includes(":") ? `[${addr.host}]` : addr.host;
  return { url: `http://${host}:${addr.port}${path}` };
}
