// Flag parsing for every command, on node:util's parseArgs: GNU-style --flag value / --flag=value,
// with a clear error for an unknown or malformed flag (exit code 2, like other daemons' CLIs).
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`edgegate ${command}: ${(e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, "")}`);
  }
}
