// Flag parsing for every command, on node:util's parseArgs: GNU-style --flag value / --flag=value,
// with a clear error for an unknown or malformed flag followed by the command's usage (exit code 2,
// like other daemons' CLIs).
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

/** parseArgs' message without its Node-specific advice about positionals that start with '-'. */
function shortMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m
    .replace(/^TypeError \[[A-Z_]+\]: /, "")
    .replace(/\. To specify a positional argument starting with a '-'.*$/s, "")
    .replace(/^Unknown option '([^']+)'$/, "unknown flag $1");
}

export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(command: string, args: string[], options: T, usage?: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`edgegate ${command}: ${shortMessage(e)}\n\n${usage ?? `Run 'edgegate ${command} --help' for its flags.\n`}`);
  }
}
