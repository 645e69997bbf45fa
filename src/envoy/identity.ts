// Is the process in a pid file really the Envoy edgegate started? Checked before adopting it or
// signalling it: the pid with its start time (pids are reused), the command line naming the same
// bootstrap file, that file still holding the bootstrap it was started with, and its admin API
// answering where that bootstrap puts it.
import { readFileSync } from "node:fs";
import { parseAdminAddress } from "./admin-address.ts";
import { getReady } from "./admin-client.ts";
import type { EnvoyRecord } from "./pid-file.ts";
import { sha256 } from "./pid-file.ts";
import { procFacts } from "./proc.ts";

export type Identity =
  /** It is ours and its admin API answers. */
  | { verdict: "ours" }
  /** It is ours (by /proc and the bootstrap) but its admin API does not answer: unmanageable. */
  | { verdict: "ours-unresponsive"; reason: string }
  /** Not running any more, or the pid now belongs to another process: the record is stale. */
  | { verdict: "gone"; reason: string };

const flagValue = (argv: string[], flag: string): string | undefined => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};

/** The /proc and file checks, without the admin API (pure reads, synchronous). */
export function checkProcess(r: EnvoyRecord): Identity {
  const f = procFacts(r.pid);
  if (!f || f.state === "Z" || f.state === "X") return { verdict: "gone", reason: `pid ${r.pid} is not running` };
  if (f.startTime !== r.startTime)
    return { verdict: "gone", reason: `pid ${r.pid} is a different process now (started at tick ${f.startTime}, not ${r.startTime})` };
  if (flagValue(f.argv, "--config-path") !== r.bootstrapPath)
    return { verdict: "gone", reason: `pid ${r.pid} does not run with --config-path ${r.bootstrapPath}` };
  if (Number(flagValue(f.argv, "--restart-epoch") ?? "0") !== r.restartEpoch)
    return { verdict: "gone", reason: `pid ${r.pid} is not hot-restart epoch ${r.restartEpoch}` };
  let onDisk: string;
  try {
    onDisk = readFileSync(r.bootstrapPath, "utf8");
  } catch {
    return { verdict: "gone", reason: `its bootstrap ${r.bootstrapPath} is missing` };
  }
  if (sha256(onDisk) !== r.bootstrapSha256) return { verdict: "gone", reason: `its bootstrap ${r.bootstrapPath} was changed since it started` };
  return { verdict: "ours" };
}

export async function identify(r: EnvoyRecord, timeoutMs: number): Promise<Identity> {
  const p = checkProcess(r);
  if (p.verdict !== "ours") return p;
  // Envoy may be busy; give it a few tries before calling it unresponsive.
  const admin = parseAdminAddress(r.adminAddress);
  for (let i = 0; i < 3; i++) {
    if (await getReady(admin, timeoutMs)) return { verdict: "ours" };
  }
  return { verdict: "ours-unresponsive", reason: `its admin API at ${r.adminAddress} does not answer` };
}
