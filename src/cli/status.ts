// `edgegate status [--admin ADDR] [--json]`: asks the running appliance's admin server for /status
// and prints it for a person. Exit 0 healthy, 1 unhealthy or unreachable, 2 usage.
import type { StatusDocument } from "../server/apps.ts";
import { parseListenAddress } from "../server/listen.ts";
import { formatStatus } from "../server/status-text.ts";

export const DEFAULT_ADMIN_ADDRESS = "127.0.0.1:9901";

const usage = `usage: edgegate status [--admin ADDR] [--json]

Prints the running appliance's status: node selection, Envoy, xDS clients, inputs, listeners.
  --admin ADDR   the appliance's admin.address (default ${DEFAULT_ADMIN_ADDRESS}; unix:///PATH for a socket)
  --json         print /status as JSON instead
Exit status: 0 healthy, 1 unhealthy or not reachable, 2 usage error.
`;

export interface StatusIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: StatusIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export async function statusCommand(args: string[], io: StatusIo = stdio): Promise<number> {
  let admin = DEFAULT_ADMIN_ADDRESS;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--json") json = true;
    else if (a === "--admin" && args[i + 1] !== undefined) admin = args[++i]!;
    else if (a.startsWith("--admin=")) admin = a.slice("--admin=".length);
    else if (a === "-h" || a === "--help") {
      io.out(usage);
      return 0;
    } else {
      io.err(`edgegate status: unexpected argument "${a}"\n\n${usage}`);
      return 2;
    }
  }
  let target: { url: string; unix?: string };
  try {
    const addr = parseListenAddress(admin, "--admin");
    if (addr.kind === "unix") target = { url: "http://localhost/status", unix: addr.path };
    else {
      // A wildcard listen address is reached through loopback.
      const host = addr.host === "0.0.0.0" ? "127.0.0.1" : addr.host === "::" ? "::1" : addr.host;
      target = { url: `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}/status` };
    }
  } catch (err) {
    io.err(`edgegate status: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  let doc: StatusDocument;
  try {
    const res = await fetch(target.url, { signal: AbortSignal.timeout(5000), ...(target.unix ? { unix: target.unix } : {}) });
    if (res.status !== 200) throw new Error(`HTTP ${res.status} from ${target.url}`);
    doc = (await res.json()) as StatusDocument;
  } catch (err) {
    io.err(`edgegate status: cannot read status from ${admin}: ${err instanceof Error ? err.message : String(err)}\n` + "Is `edgegate run` running, and is --admin its admin.address?\n");
    return 1;
  }
  io.out(json ? JSON.stringify(doc, null, 2) + "\n" : formatStatus(doc));
  return doc.health?.healthy ? 0 : 1;
}
