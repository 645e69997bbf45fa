// `edgegate status [--admin ADDR | --config FILE] [--json]`: asks the running appliance's admin
// server for /status and prints it as tables for a person. Exit 0 healthy, 1 unhealthy or
// unreachable, 2 usage.
import type { JsonValue } from "@bufbuild/protobuf";
import type { StatusDocument } from "../server/apps.ts";
import { parseStatusDocument } from "../server/status-schema.ts";
import { formatStatus } from "../server/status-text.ts";
import { parse, UsageError } from "./args.ts";
import { adminGet, adminTarget, DEFAULT_ADMIN_ADDRESS } from "./admin.ts";

export { DEFAULT_ADMIN_ADDRESS };

const usage = `usage: edgegate status [--admin ADDR | --config FILE] [--json]

Prints the running appliance's status as tables: GatewayClasses, Gateways and their listeners,
routes with their parents, Ingresses, policies, Envoy's listeners, the inputs and their problems
by file, Envoy, the xDS clients, the datapath, and the health verdict with its reasons.
  --admin ADDR    the appliance's admin.address (default ${DEFAULT_ADMIN_ADDRESS}; unix:///PATH for a socket)
  --config FILE   read admin.address from the appliance's configuration file
  --json          print /status as JSON instead
Exit status: 0 healthy, 1 unhealthy or not reachable, 2 usage error.
`;

export interface StatusIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: StatusIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export async function statusCommand(args: string[], io: StatusIo = stdio): Promise<number> {
  let values, positionals, target;
  try {
    ({ values, positionals } = parse(
      "status",
      args,
      { admin: { type: "string" }, config: { type: "string", short: "c" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      usage,
    ));
    if (positionals.length > 0) throw new UsageError(`edgegate status: unexpected argument "${positionals[0]}"\n\n${usage}`);
    if (values.help) {
      io.out(usage);
      return 0;
    }
    target = adminTarget("status", values.admin, values.config);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`${e.message.trimEnd()}\n`);
    return 2;
  }
  let doc: StatusDocument;
  try {
    const res = await adminGet<JsonValue>("status", target, "/status");
    if (res.status !== 200) throw new Error(`edgegate status: HTTP ${res.status} from ${target.address}/status`);
    try {
      doc = parseStatusDocument(res.body);
    } catch (e) {
      throw new Error(
        `edgegate status: ${target.address}/status is not an edgegate status document (edgegate.status.v1.StatusDocument): ${(e as Error).message}`,
      );
    }
  } catch (err) {
    io.err(`${(err as Error).message}\n`);
    return 1;
  }
  io.out(values.json ? JSON.stringify(doc, null, 2) + "\n" : formatStatus(doc));
  return doc.health?.healthy ? 0 : 1;
}
