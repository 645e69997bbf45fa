// edgegate: one binary, several commands. Each command lives in src/cli/<command>.ts and is
// imported only when it runs: start-up time is a feature (`run` to /livez, `version` in scripts).
import { UsageError } from "./cli/args.ts";

type Command = (args: string[]) => number | Promise<number>;

const commands: Record<string, { run: Command; help: string }> = {
  run: { run: async (a) => (await import("./cli/run.ts")).runCommand(a), help: "run the appliance (--config FILE)" },
  validate: { run: async (a) => (await import("./cli/validate.ts")).validateCommand(a), help: "check input YAML (files or folders); exit 1 on any problem" },
  render: { run: async (a) => (await import("./cli/render.ts")).renderCommand(a), help: "print the Envoy xDS resources (and --status) for input YAML" },
  launcher: {
    run: async (a) => (await import("./cli/launcher.ts")).launcherCommand(a),
    help: "start Envoy when edgegate asks (Envoy's own container of a pod)",
  },
  stop: { run: async (a) => (await import("./cli/stop.ts")).stopCommand(a), help: "stop the running edgegate and the Envoy it started (for an uninstall)" },
  status: { run: async (a) => (await import("./cli/status.ts")).statusCommand(a), help: "show the running appliance's status as tables" },
  dump: { run: async (a) => (await import("./cli/dump.ts")).dumpCommand(a), help: "print the configuration in force (last published xDS, ACKs and NACKs)" },
  datapath: {
    run: async (a) => (await import("./cli/datapath.ts")).datapathCommand(a),
    help: "datapath status | cleanup: what edgegate attached to this node",
  },
  version: { run: async () => (await import("./cli/version.ts")).versionCommand(), help: "print the version" },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.help}`);
  return `usage: edgegate <command> [flags]\n\ncommands:\n${lines.join("\n")}\n\nRun 'edgegate <command> --help' for a command's flags.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === "--version") return (await import("./cli/version.ts")).versionCommand();
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`edgegate: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message.trimEnd()}\n`);
      return 2;
    }
    if (isClosedPipe(e)) return 0;
    throw e;
  }
}

/** The reader went away (`edgegate render ... | head`): not an error worth a stack trace. */
function isClosedPipe(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "EPIPE";
}

if (import.meta.main) {
  // Writes through process.stdout report a closed pipe asynchronously, as an 'error' event.
  process.stdout.on("error", (e) => {
    if (isClosedPipe(e)) process.exit(0);
    throw e;
  });
  process.exitCode = await main(process.argv.slice(2));
}
