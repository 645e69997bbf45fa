// The command line edgegate starts Envoy with. Pure, so the exact argv is testable.
import type { ApplianceConfig } from "../config/types.ts";

/**
 * One JSON object per log line. `%j` is Envoy's JSON-escaped message (plain `%v` could break the
 * object on a quote or newline); the supervisor parses these into edgegate's own structured log.
 */
export const ENVOY_LOG_FORMAT = '{"level":"%l","logger":"%n","thread":"%t","src":"%s:%#","msg":"%j"}';

export function envoyArgs(envoy: ApplianceConfig["envoy"], bootstrapPath: string): string[] {
  const args = ["--config-path", bootstrapPath, "--drain-time-s", String(Math.max(0, Math.round(envoy.drainSeconds)))];
  args.push("--log-level", envoy.logLevel);
  // Envoy refuses a repeated flag, so an operator's own --log-format in envoy.args wins.
  if (!envoy.args.some((a) => a === "--log-format" || a.startsWith("--log-format="))) args.push("--log-format", ENVOY_LOG_FORMAT);
  // edgegate restarts Envoy itself; hot restart would only add a shared-memory region that a
  // second Envoy on the same host (another base id) could collide with.
  args.push("--disable-hot-restart");
  if (envoy.concurrency > 0) args.push("--concurrency", String(envoy.concurrency));
  return [...args, ...envoy.args];
}

/**
 * Wraps argv so the kernel sends SIGKILL to Envoy when edgegate dies, even by SIGKILL, when no
 * signal handler of ours can run. setpriv sets PR_SET_PDEATHSIG and execs Envoy, so Envoy keeps
 * the pid we spawned and receives our signals directly.
 */
export function withParentDeathSignal(setprivPath: string, argv: string[]): string[] {
  return [setprivPath, "--pdeathsig", "KILL", "--", ...argv];
}
