// What /proc says about a process: enough to tell "the Envoy edgegate started" from a different
// process that happens to have the same pid now (pids are reused). A pid plus its start time
// (field 22 of /proc/PID/stat, clock ticks since boot) names one process for the life of the boot.
import { readFileSync } from "node:fs";

export interface ProcFacts {
  /** Clock ticks after boot at which the process started. */
  startTime: string;
  /** Single-letter state; "Z" (zombie) and "X" (dead) mean it has exited. */
  state: string;
  argv: string[];
}

/** State and start time only (/proc/PID/stat): what a liveness check or a signal needs, polled often. */
export function procStat(pid: number): Omit<ProcFacts, "argv"> | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may itself hold spaces or ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0] ?? "?", startTime: rest[19] ?? "" };
  } catch {
    return undefined;
  }
}

/** procStat plus the command line, to tell which program the process is. */
export function procFacts(pid: number): ProcFacts | undefined {
  const st = procStat(pid);
  if (!st) return undefined;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (argv.at(-1) === "") argv.pop();
    return { ...st, argv };
  } catch {
    return undefined;
  }
}

/** True while the process that started at `startTime` still runs under `pid`. */
export function sameProcessAlive(pid: number, startTime: string): boolean {
  const f = procStat(pid);
  return f !== undefined && f.startTime === startTime && f.state !== "Z" && f.state !== "X";
}

/** Sends a signal only if `pid` is still the process we mean; false when it is gone. */
export function signalIfSame(pid: number, startTime: string, signal: NodeJS.Signals): boolean {
  if (!sameProcessAlive(pid, startTime)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
