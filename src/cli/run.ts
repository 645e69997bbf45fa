// edgegate run --config FILE: the appliance. Flags override the configuration file.
import { hostname } from "node:os";
import { parse, UsageError } from "./args.ts";
import { loadConfig } from "../config/load.ts";
import { checkSettings, parseListenSetting, type ConfigProblem, type ListenSetting } from "../config/check.ts";
import { defaultConfig, type ApplianceConfig, type ApplianceConfigDraft, type DatapathMode } from "../config/types.ts";
import { createLogger } from "../log/logger.ts";
import { formatPath, formatProblem } from "../validate/problems.ts";
import { startAppliance, type ApplianceHandle } from "../run/appliance.ts";
import { EDGEGATE_PID_FILE, readEdgegatePid, removeFile, writeEdgegatePid } from "../envoy/pid-file.ts";
import { procStat } from "../envoy/proc.ts";
import { prepare, printProblems } from "./inputs.ts";
import { dirname, join, resolve } from "node:path";
import { version } from "../version.ts";
import { originLabel } from "../ir/origin.ts";
import type { ListenAddress } from "../net/address.ts";

const help = `usage: edgegate run [--config FILE] [flags] [PATH...]

Runs the appliance: reads the inputs (PATHs, or source.paths of the config file), serves xDS to the
Envoy it supervises, steers traffic with the eBPF datapath when enabled, and answers /healthz.
SIGTERM/SIGINT drain and stop Envoy, then exit (a second one cuts the drain short). SIGUSR2 exits
and leaves Envoy serving for the next edgegate to adopt (an upgrade). SIGHUP re-reads the inputs.

flags (each overrides the config file):
  --config FILE            appliance configuration (see config/edgegate.yaml)
  --node-name NAME         node name and xDS node id
  --health-address ADDR    /healthz /readyz /livez listener (e.g. 0.0.0.0:10266)
  --admin-address ADDR     /status /metrics listener (e.g. 127.0.0.1:9901)
  --xds-socket PATH        Unix socket for the local Envoy
  --xds-address ADDR       TCP listener for other xDS clients ("" = off)
  --envoy PATH             Envoy binary
  --datapath MODE          off, tc or sklookup
  --log-level LEVEL        debug, info, warn, error
  --log-format FORMAT      json or text
  --once                   compute the configuration, print a summary and exit
`;

/** Sets what the flags give; a listen address is parsed here, once, by the configuration's own rules. */
function applyFlags(c: ApplianceConfigDraft, v: Record<string, string | boolean | undefined>, paths: string[]): ConfigProblem[] {
  const s = (k: string): string | undefined => (typeof v[k] === "string" ? (v[k] as string) : undefined);
  const problems: ConfigProblem[] = [];
  const listen = (setting: ListenSetting, text: string, set: (a: ListenAddress) => void): void => {
    const a = parseListenSetting(problems, setting, text, c.admin.allowNonLoopback);
    if (a) set(a);
  };
  if (s("node-name")) c.node.name = s("node-name")!;
  if (s("health-address")) listen("health.address", s("health-address")!, (a) => (c.health.address = a));
  if (s("admin-address")) listen("admin.address", s("admin-address")!, (a) => (c.admin.address = a));
  if (s("xds-socket")) c.xds.socket = s("xds-socket")!;
  // --xds-address "" turns the TCP listener off.
  if (s("xds-address") === "") delete c.xds.tcpAddress;
  else if (s("xds-address") !== undefined)
    listen("xds.tcpAddress", s("xds-address")!, (a) => {
      // parseListenSetting refuses a Unix socket here; the test narrows the type.
      if (a.kind === "tcp") c.xds.tcpAddress = a;
    });
  if (s("envoy")) c.envoy.path = s("envoy")!;
  if (s("datapath")) c.datapath.mode = s("datapath") as DatapathMode;
  if (s("log-level")) c.log.level = s("log-level") as ApplianceConfig["log"]["level"];
  if (s("log-format")) c.log.format = s("log-format") as ApplianceConfig["log"]["format"];
  if (paths.length > 0) c.source.paths = paths.map((p) => resolve(p));
  return problems;
}

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    "run",
    args,
    {
      config: { type: "string", short: "c" },
      "node-name": { type: "string" },
      "health-address": { type: "string" },
      "admin-address": { type: "string" },
      "xds-socket": { type: "string" },
      "xds-address": { type: "string" },
      envoy: { type: "string" },
      datapath: { type: "string" },
      "log-level": { type: "string" },
      "log-format": { type: "string" },
      once: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    help,
  );
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (!values.config && positionals.length === 0) throw new UsageError(`edgegate run: give --config FILE or input PATHs\n\n${help}`);
  let config = defaultConfig(hostname());
  if (values.config) {
    const loaded = loadConfig(values.config);
    // The typed form is there exactly when there is no problem.
    if (!loaded.typed) {
      for (const p of loaded.problems) process.stderr.write(formatProblem(p) + "\n");
      return 1;
    }
    config = loaded.typed;
  }
  const flagProblems = [...applyFlags(config, values, positionals), ...checkSettings(config)];
  if (flagProblems.length > 0) {
    for (const p of flagProblems) process.stderr.write(`edgegate run: ${formatPath(p.path)}: ${p.message}\n`);
    return 1;
  }
  if (config.source.kubernetes && values.once) {
    process.stderr.write("edgegate run --once reads files only; in Kubernetes mode use /status\n");
    return 1;
  }

  if (values.once) {
    const prep = await prepare(config.source.paths, config);
    printProblems(prep.problems, prep.warnings, true);
    const ir = prep.result.ir;
    const routes = ir.routeConfigs.reduce((n, rc) => n + rc.virtualHosts.reduce((m, vh) => m + vh.routes.length, 0), 0);
    process.stdout.write(
      [
        `edgegate ${version}: ${prep.load.objects.length} objects from ${prep.load.files} files, ${prep.problems.length} problems`,
        ...ir.listeners.map(
          (l) => `  listener ${l.name} ${l.address}:${l.port} ${l.http ? "HTTP" : `TLS (${l.tls.length} chains)`} <- ${l.origins.map(originLabel).join(", ")}`,
        ),
        `  ${ir.routeConfigs.length} route configs, ${routes} routes, ${ir.clusters.length} clusters, ${ir.secrets.length} secrets, ${ir.apiListeners.length} gRPC api listeners`,
      ].join("\n") + "\n",
    );
    return prep.problems.length > 0 ? 1 : 0;
  }

  const log = createLogger({ level: config.log.level, format: config.log.format, base: { node: config.node.name } });
  log.info("edgegate starting", { version, config: values.config ?? "(flags)", inputs: config.source.paths });
  // Signals are handled from the first moment: a SIGTERM during start-up stops what has started
  // and exits, instead of being ignored until start-up completes.
  let signals = 0;
  let handoverAsked = false;
  // A start-up stuck somewhere (an API that never answers) must still end on SIGTERM.
  let startupDeadline: ReturnType<typeof setTimeout> | undefined;
  let app: ApplianceHandle | undefined;
  let kube: import("../sources/kube/mode.ts").KubeMode | undefined;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const shutdown = (sig: string): void => {
    signals++;
    log.info(signals === 1 ? "shutting down: draining" : "shutting down now: drain cut short", { signal: sig });
    if (!app) {
      // Start-up is still running; it sees `signals` and stops what it started when it returns.
      startupDeadline ??= setTimeout(() => {
        log.error("start-up did not finish within 4 s of the signal; exiting");
        process.exit(1);
      }, 4000);
      return;
    }
    // The Lease is released first, so another node takes over status writing at once.
    const a = app;
    void (kube?.stop() ?? Promise.resolve()).then(() => a.stop({ drain: signals === 1 })).then(() => finish(0));
  };
  const handover = (): void => {
    // An upgrade of edgegate: exit and leave Envoy serving for the next edgegate to adopt.
    log.info("SIGUSR2: exiting and leaving Envoy running for the next edgegate");
    if (!app) return void (handoverAsked = true);
    const a = app;
    void (kube?.stop() ?? Promise.resolve()).then(() => a.detach()).then(() => finish(0));
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGUSR2", handover);
  process.on("SIGHUP", () => {
    log.info("SIGHUP: re-reading inputs");
    app?.reload();
  });
  const runtimeDir = dirname(config.xds.socket);
  try {
    if (config.source.kubernetes) {
      await import("../register-kinds.ts");
      const { createKubeMode } = await import("../sources/kube/mode.ts");
      kube = createKubeMode(config, log);
      const k = kube;
      app = await startAppliance(config, log, k.source, { onCompiled: (r) => k.publishStatus(r.status) });
      // Programmed follows what this node's Envoy ACKs (src/kube/node-report.ts).
      k.followDataPlane(app.cache);
      k.startLeaderElection();
    } else app = await startAppliance(config, log);
  } catch (e) {
    if (startupDeadline) clearTimeout(startupDeadline);
    log.error("start-up failed; stopped what was started", { error: (e as Error).message });
    process.stderr.write(`edgegate run: ${(e as Error).message}\n`);
    await kube?.stop();
    return exitSoon(1);
  }
  try {
    writeEdgegatePid(runtimeDir, process.pid, procStat(process.pid)?.startTime ?? "");
  } catch (e) {
    log.warn("cannot write edgegate's pid file; `edgegate stop` will not find this process", { error: (e as Error).message });
  }
  if (startupDeadline) clearTimeout(startupDeadline);
  if (signals > 0) {
    signals--;
    shutdown("SIGTERM (during start-up)");
  } else if (handoverAsked) handover();
  const code = await finished;
  if (readEdgegatePid(runtimeDir)?.pid === process.pid) removeFile(join(runtimeDir, EDGEGATE_PID_FILE));
  return exitSoon(code);
}

/**
 * Returns the exit code, and makes sure the process really exits soon: a handle some library
 * left open (a watcher, a socket) must not keep a failed or stopped edgegate alive, or systemd's
 * Restart= never fires.
 */
function exitSoon(code: number): number {
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}
