// edgegate stop: ends the edgegate of a runtime folder and the Envoy it started, including an Envoy
// that kept serving after edgegate crashed or was told to leave it running (SIGUSR2). For an
// uninstall, or to take a node out of service by hand. Both are found through their pid records in
// the runtime folder (the folder of xds.socket) and checked against /proc before any signal.
import { hostname } from "node:os";
import { dirname } from "node:path";
import { parse } from "./args.ts";
import { loadConfig } from "../config/load.ts";
import { defaultConfig } from "../config/types.ts";
import { formatProblem } from "../validate/problems.ts";
import { checkProcess } from "../envoy/identity.ts";
import { EDGEGATE_PID_FILE, envoyPidFile, readEdgegatePid, readEnvoyRecord, removeFile } from "../envoy/pid-file.ts";
import { sameProcessAlive, signalIfSame } from "../envoy/proc.ts";
import { join } from "node:path";

const help = `usage: edgegate stop [--config FILE] [--xds-socket PATH] [--timeout SECONDS]

Stops the running edgegate (SIGTERM: it drains and stops Envoy) and then any Envoy it started that
is still running (SIGTERM, then SIGKILL), found through the pid records in the folder of xds.socket
(default /run/edgegate). Exit 0 when nothing is left running.

  --config FILE       read xds.socket (and envoy.drainSeconds) from the appliance configuration
  --xds-socket PATH   the xDS socket of the edgegate to stop
  --timeout SECONDS   how long to wait for edgegate to drain and exit (default drainSeconds + 15)
`;

async function waitGone(pid: number, startTime: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (sameProcessAlive(pid, startTime)) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(50);
  }
  return true;
}

export async function stopCommand(args: string[]): Promise<number> {
  const { values } = parse("stop", args, {
    config: { type: "string", short: "c" },
    "xds-socket": { type: "string" },
    timeout: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  let config = defaultConfig(hostname());
  if (typeof values.config === "string") {
    const loaded = loadConfig(values.config);
    // The typed form is there exactly when there is no problem.
    if (!loaded.typed) {
      for (const p of loaded.problems) process.stderr.write(formatProblem(p) + "\n");
      return 1;
    }
    config = loaded.typed;
  }
  if (typeof values["xds-socket"] === "string") config.xds.socket = values["xds-socket"];
  const runtimeDir = dirname(config.xds.socket);
  const timeoutMs = (typeof values.timeout === "string" ? Number(values.timeout) : config.envoy.drainSeconds + 15) * 1000;
  const say = (line: string): void => void process.stdout.write(line + "\n");
  let left = 0;

  const eg = readEdgegatePid(runtimeDir);
  if (eg && sameProcessAlive(eg.pid, eg.startTime)) {
    say(`edgegate pid ${eg.pid}: SIGTERM (it drains and stops Envoy; waiting up to ${Math.round(timeoutMs / 1000)} s)`);
    signalIfSame(eg.pid, eg.startTime, "SIGTERM");
    if (!(await waitGone(eg.pid, eg.startTime, timeoutMs))) {
      say(`edgegate pid ${eg.pid}: still running; SIGTERM again (drain cut short)`);
      signalIfSame(eg.pid, eg.startTime, "SIGTERM");
      if (!(await waitGone(eg.pid, eg.startTime, 10_000))) {
        say(`edgegate pid ${eg.pid}: did not exit`);
        left++;
      }
    }
  } else say(`edgegate: not running (${join(runtimeDir, EDGEGATE_PID_FILE)})`);
  if (left === 0) removeFile(join(runtimeDir, EDGEGATE_PID_FILE));

  const file = envoyPidFile(runtimeDir);
  const { record, problem } = readEnvoyRecord(file);
  if (problem) say(`envoy: ${problem}`);
  if (record) {
    const id = checkProcess(record);
    if (id.verdict === "ours") {
      say(`envoy pid ${record.pid}: SIGTERM`);
      signalIfSame(record.pid, record.startTime, "SIGTERM");
      if (!(await waitGone(record.pid, record.startTime, 5000))) {
        say(`envoy pid ${record.pid}: SIGKILL`);
        signalIfSame(record.pid, record.startTime, "SIGKILL");
        if (!(await waitGone(record.pid, record.startTime, 2000))) left++;
      }
    } else say(`envoy: the recorded process is not running (${id.reason})`);
    if (left === 0) removeFile(file);
  } else if (!problem) say(`envoy: none recorded (${file})`);
  return left === 0 ? 0 : 1;
}
