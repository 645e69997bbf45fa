// Reaching a running appliance's admin server (`status`, `dump`): the address comes from --admin,
// else from --config FILE's admin.address, else the default; a wildcard listen address is reached
// through loopback, a unix:// address through its socket.
import { loadConfig } from "../config/load.ts";
import { adminRequestTarget } from "../envoy/admin-address.ts";
import { formatAddress, parseAddress, type ListenAddress } from "../net/address.ts";
import { formatProblem } from "../validate/problems.ts";
import { UsageError } from "./args.ts";

export const DEFAULT_ADMIN_ADDRESS = "127.0.0.1:9901";

export interface AdminTarget {
  /** As the user gave it, or as the configuration holds it (for messages). */
  address: string;
  /** Where to connect: the listen address, with a wildcard host replaced by loopback. */
  reach: ListenAddress;
}

/** Throws UsageError for a bad address or an unreadable --config. */
export function adminTarget(command: string, admin: string | undefined, configFile: string | undefined): AdminTarget {
  let addr: ListenAddress;
  if (admin === undefined && configFile !== undefined) {
    const c = loadConfig(configFile);
    // Only admin.address matters here; problems elsewhere are `run`'s and `validate`'s to report.
    const relevant = c.problems.filter((p) => !p.path || p.path.startsWith("admin"));
    if (relevant.length > 0) throw new UsageError(`edgegate ${command}: --config ${configFile}:\n${relevant.map(formatProblem).join("\n")}`);
    // Parsed by the configuration's check; with problems elsewhere there is no typed form, but the
    // admin address passed the same check, so it is read with the same parser.
    addr = c.typed?.admin.address ?? parseAdmin(command, c.config.admin.address, `admin.address in ${configFile}`);
  } else addr = parseAdmin(command, admin ?? DEFAULT_ADMIN_ADDRESS, "--admin");
  const address = formatAddress(addr);
  if (addr.kind === "unix") return { address, reach: addr };
  const host = addr.host === "0.0.0.0" ? "127.0.0.1" : addr.host === "::" ? "::1" : addr.host;
  return { address, reach: { ...addr, host } };
}

function parseAdmin(command: string, text: string, what: string): ListenAddress {
  try {
    return parseAddress(text, what);
  } catch (e) {
    throw new UsageError(`edgegate ${command}: ${(e as Error).message}`);
  }
}

/** GET a JSON document; throws an Error that says what to check when the appliance is not there. */
export async function adminGet<T>(command: string, t: AdminTarget, path: string): Promise<{ status: number; body: T }> {
  const { url, unix } = adminRequestTarget(t.reach, path);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000), ...(unix ? { unix } : {}) });
  } catch (e) {
    throw new Error(
      `edgegate ${command}: cannot reach the appliance's admin server at ${t.address}: ${(e as Error).message}\nIs \`edgegate run\` running, and is this its admin.address (--admin ADDR or --config FILE)?`,
    );
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as T };
  } catch {
    throw new Error(`edgegate ${command}: ${t.address}${path} answered HTTP ${res.status} with something that is not JSON (is this edgegate's admin.address?)`);
  }
}
