// The command line edgegate starts Envoy with. Pure, so the exact argv is testable.
import type { ApplianceConfig } from "../config/types.ts";

/**
 * One JSON object per log line. `%j` is Envoy's JSON-escaped message (plain `%v` could break the
 * object on a quote or newline); the supervisor parses these into edgegate's own structured log.
 */
export const ENVOY_LOG_FORMAT = '{"level":"%l","logger":"%n","thread":"%t","src":"%s:%#","msg":"%j"}';

/**
 * Envoy's hot restart: epoch 0 picks a free base id itself (so a second Envoy on the host cannot
 * collide with ours) and writes it to baseIdPath; a later epoch passes that base id and the next
 * epoch number, takes the listening sockets over from its parent and tells the parent to drain.
 */
export interface HotRestart {
  epoch: number;
  /** Required from epoch 1 on: the base id epoch 0 wrote to baseIdPath. */
  baseId?: number;
  baseIdPath: string;
}

/** The parent of a hot restart drains for drainSeconds and exits this much later at the latest. */
export const PARENT_SHUTDOWN_MARGIN_S = 2;

export function envoyArgs(envoy: ApplianceConfig["envoy"], bootstrapPath: string, hot: HotRestart): string[] {
  const drain = Math.max(0, Math.round(envoy.drainSeconds));
  const args = ["--config-path", bootstrapPath, "--drain-time-s", String(drain), "--parent-shutdown-time-s", String(drain + PARENT_SHUTDOWN_MARGIN_S)];
  args.push("--log-level", envoy.logLevel);
  // Envoy refuses a repeated flag, so an operator's own --log-format in envoy.args wins.
  if (!envoy.args.some((a) => a === "--log-format" || a.startsWith("--log-format="))) args.push("--log-format", ENVOY_LOG_FORMAT);
  if (hot.epoch === 0) args.push("--use-dynamic-base-id", "--base-id-path", hot.baseIdPath, "--restart-epoch", "0");
  else {
    if (hot.baseId === undefined) throw new Error(`hot restart epoch ${hot.epoch} needs the base id of epoch 0`);
    args.push("--base-id", String(hot.baseId), "--base-id-path", hot.baseIdPath, "--restart-epoch", String(hot.epoch));
  }
  if (envoy.concurrency > 0) args.push("--concurrency", String(envoy.concurrency));
  return [...args, ...envoy.args];
}
