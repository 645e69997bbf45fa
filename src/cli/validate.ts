// edgegate validate PATH...: exit 0 when every object is valid and every reference resolves.
import { commandConfigOrReport, prepare, printProblems } from "./inputs.ts";
import { parse } from "./args.ts";
import { privilegedPortWarnings } from "./privileged-ports.ts";
import { unprivilegedPortStart } from "../net/listening.ts";

const help = `usage: edgegate validate [--config FILE] [--controller-name NAME] [--quiet] [PATH...]

Checks YAML files and folders (recursive) of Gateway API, Ingress and core objects. Prints one
line per problem as FILE:LINE: Kind namespace/name: field.path: message and exits 1 if there is any.
With --config and no PATH, checks the configuration file and the inputs it names. With --config,
also warns about listener ports below net.ipv4.ip_unprivileged_port_start when the Envoy that
\`edgegate run\` would start (with this process's user and capabilities) cannot bind them.
`;

export async function validateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    "validate",
    args,
    {
      config: { type: "string" },
      "controller-name": { type: "string" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
    help,
  );
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals.length === 0 && !values.config) {
    process.stderr.write(help);
    return 2;
  }
  const config = commandConfigOrReport(values.config, values["controller-name"]);
  if (!config) return 1;
  // With only --config, check the configuration and the inputs it names.
  const prep = await prepare(positionals.length > 0 ? positionals : config.source.paths, config);
  // An Envoy in its own container (envoy.launcher) has that container's capabilities, not ours.
  const ports = values.config && prep.result && !config.envoy.launcher ? privilegedPortWarnings(prep.result, prep.load.objects, unprivilegedPortStart()) : [];
  printProblems(prep.problems, [...prep.warnings, ...ports], values.quiet);
  const n = prep.load.objects.length;
  if (prep.problems.length > 0) {
    process.stderr.write(`${prep.problems.length} problem${prep.problems.length === 1 ? "" : "s"} in ${prep.load.files} file(s)\n`);
    return 1;
  }
  if (!values.quiet) process.stderr.write(`ok: ${n} object${n === 1 ? "" : "s"} in ${prep.load.files} file(s)\n`);
  return 0;
}
