// Envoy's admin API can reconfigure and stop the proxy, so it is only ever bound where nothing but
// this host can reach it: a Unix socket or a loopback address. envoy.adminAddress is parsed once,
// at load (src/config/check.ts); the bootstrap (where Envoy binds it) and the supervisor (where
// edgegate talks to it) take that value. parseAdminAddress reads the address an Envoy was started
// with back from its record in the runtime folder (src/envoy/pid-file.ts), with the same rules.

import { isLoopbackIp, parseAddress, type ListenAddress } from "../net/address.ts";

export type AdminAddress = ListenAddress;

export class AdminAddressError extends Error {
  override name = "AdminAddressError";
}

export { isLoopbackIp };

/**
 * Accepts "unix:///abs/path", "127.0.0.1:9902", "[::1]:9902" and "localhost:9902" (taken as
 * 127.0.0.1, because Envoy's socket_address needs an IP, not a name).
 */
export function parseAdminAddress(text: string): AdminAddress {
  const what = `envoy.adminAddress "${text}"`;
  let a: AdminAddress;
  try {
    a = parseAddress(text, "envoy.adminAddress");
  } catch (e) {
    throw new AdminAddressError((e as Error).message);
  }
  const problem = adminAddressProblem(a);
  if (problem) throw new AdminAddressError(`${what}: ${problem}`);
  return a;
}

/** Why Envoy's admin API must not listen at `a`, or undefined: the rule parseAdminAddress and the bootstrap share. */
export function adminAddressProblem(a: AdminAddress): string | undefined {
  if (a.kind === "unix") return undefined;
  if (a.port < 1) return "port must be 1..65535 (the supervisor must know where to reach Envoy)";
  if (!isLoopbackIp(a.host))
    return `Envoy's admin API must listen on loopback (127.0.0.1, [::1]) or a Unix socket; "${a.host}" would let other machines reconfigure or stop the proxy`;
  return undefined;
}

/** The URL and fetch options that reach the admin API at `addr`. */
export function adminRequestTarget(addr: AdminAddress, path: string): { url: string; unix?: string } {
  if (addr.kind === "unix") return { url: `http://localhost${path}`, unix: addr.path };
  const host = addr.host.includes(":") ? `[${addr.host}]` : addr.host;
  return { url: `http://${host}:${addr.port}${path}` };
}
