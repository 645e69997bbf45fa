// edgegate dump: the configuration a running appliance serves (its last published xDS snapshot,
// decoded), in render's JSON shape, with per type the version and which clients ACKed or NACKed it.
import { stringify } from "yaml";
import { parse, UsageError } from "./args.ts";
import { adminGet, adminTarget, DEFAULT_ADMIN_ADDRESS } from "./admin.ts";
import type { ConfigDump } from "../server/config-dump.ts";

const help = `usage: edgegate dump [--admin ADDR | --config FILE] [--type TYPE]... [--name NAME]... [--format json|yaml]

Prints the configuration in force on a running appliance: the last published xDS snapshot as
{"listeners":[],"routes":[],"clusters":[],"endpoints":[],"secrets":[]} (the shape of edgegate render,
so the two can be diffed), and under "xds" the snapshot's version and, per type, its version and
each client's state (ACKed, NACKed with Envoy's message, or pending). Private keys print as
"[redacted]". While an input has problems, this is the last good configuration.
  --admin ADDR    the appliance's admin.address (default ${DEFAULT_ADMIN_ADDRESS}; unix:///PATH for a socket)
  --config FILE   read admin.address from the appliance's configuration file
  --type TYPE     only lds, rds, cds, eds, sds (or listeners, routes, clusters, endpoints, secrets); repeatable
  --name NAME     only resources with this name (* matches anything); repeatable
  --format F      json (default) or yaml
Exit status: 0 printed, 1 not reachable, 2 usage error.
`;

export async function dumpCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    "dump",
    args,
    {
      admin: { type: "string" },
      config: { type: "string", short: "c" },
      type: { type: "string", multiple: true },
      name: { type: "string", multiple: true },
      format: { type: "string", default: "json" },
      help: { type: "boolean", short: "h" },
    },
    help,
  );
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`edgegate dump: unexpected argument "${positionals[0]}"\n\n${help}`);
  if (values.format !== "json" && values.format !== "yaml")
    throw new UsageError(`edgegate dump: --format must be json or yaml (got ${JSON.stringify(values.format)})\n\n${help}`);
  const target = adminTarget("dump", values.admin, values.config);
  const query = new URLSearchParams([
    ...(values.type ?? []).map((t): [string, string] => ["type", t]),
    ...(values.name ?? []).map((n): [string, string] => ["name", n]),
  ]).toString();
  let res;
  try {
    res = await adminGet<ConfigDump | { error: string }>("dump", target, `/config_dump${query ? `?${query}` : ""}`);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  if (res.status === 400 && "error" in res.body) throw new UsageError(`edgegate dump: ${res.body.error}\n\n${help}`);
  if (res.status !== 200 || "error" in res.body) {
    process.stderr.write(`edgegate dump: HTTP ${res.status} from ${target.address}: ${"error" in res.body ? res.body.error : ""}\n`);
    return 1;
  }
  process.stdout.write(values.format === "json" ? JSON.stringify(res.body, null, 2) + "\n" : stringify(res.body, { lineWidth: 0 }));
  return 0;
}
