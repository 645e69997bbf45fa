// edgegate run --config FILE: the appliance. Flags override the configuration file.
import { hostname } from "node:os";
import { parse, UsageError } from "./args.ts";
import { loadConfig } from "../config/load.ts";
import { checkConfig } from "../config/check.ts";
import { defaultConfig, type ApplianceConfig, type DatapathMode } from "../config/types.ts";
import { createLogger } from "../log/logger.ts";
import { formatPath, formatProblem } from "../validate/problems.ts";
import { startAppliance } from "../run/appliance.ts";
import { prepare, printProblems } from "./inputs.ts";
import { resolve } from "node:path";
import { version } from "../version.ts";

const help = `usage: edgegate run [--config FILE] [flags] [PATH...]

Runs the appliance: reads the inputs (PATHs, or source.paths of the config file), serves xDS to the
Envoy it supervises, steers traffic with the eBPF datapath when enabled, and answers /healthz.

flags (each overrides the config file):
  --config FILE            appliance configuration (see config/edgegate.yaml)
  --node-name NAME         node name and xDS node id
  --health-address ADDR    /healthz /readyz /livez listener (e.g. 0.0.0.0:10256)
  --admin-address ADDR     /status /metrics listener (e.g. 127.0.0.1:9901)
  --xds-socket PATH        Unix socket for the local Envoy
  --xds-address ADDR       TCP listener for other xDS clients ("" = off)
  --envoy PATH             Envoy binary
  --datapath MODE          off, tc or sklookup
  --log-level LEVEL        debug, info, warn, error
  --log-format FORMAT      json or text
  --once                   compute the configuration, print a summary and exit
`;

function applyFlags(c: ApplianceConfig, v: Record<string, string | boolean | undefined>, paths: string[]): void {
  const s = (k: string): string | undefined => (typeof v[k] === "string" ? (v[k] as string) : undefined);
  if (s("node-name")) c.node.name = s("node-name")!;
  if (s("health-address")) c.health.address = s("health-address")!;
  if (s("admin-address")) c.admin.address = s("admin-address")!;
  if (s("xds-socket")) c.xds.socket = s("xds-socket")!;
  if (s("xds-address") !== undefined) c.xds.tcpAddress = s("xds-address")!;
  if (s("envoy")) c.envoy.path = s("envoy")!;
  if (s("datapath")) c.datapath.mode = s("datapath") as DatapathMode;
  if (s("log-level")) c.log.level = s("log-level") as ApplianceConfig["log"]["level"];
  if (s("log-format")) c.log.format = s("log-format") as ApplianceConfig["log"]["format"];
  if (paths.length > 0) c.source.paths = paths.map((p) => resolve(p));
}

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse("run", args, {
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
  }, help);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (!values.config && positionals.length === 0) throw new UsageError(`edgegate run: give --config FILE or input PATHs\n\n${help}`);
  let config = defaultConfig(hostname());
  if (values.config) {
    const loaded = loadConfig(values.config);
    if (loaded.problems.length > 0) {
      for (const p of loaded.problems) process.stderr.write(formatProblem(p) + "\n");
      return 1;
    }
    config = loaded.config;
  }
  applyFlags(config, values, positionals);
  const flagProblems = checkConfig(config);
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
    const ir = prep.result!.ir;
    const routes = ir.routeConfigs.reduce((n, rc) => n + rc.virtualHosts.reduce((m, vh) => m + vh.routes.length, 0), 0);
    process.stdout.write(
      [
        `edgegate ${version}: ${prep.load.objects.length} objects from ${prep.load.files.length} files, ${prep.problems.length} problems`,
        ...ir.listeners.map((l) => `  listener ${l.name} ${l.address}:${l.port} ${l.http ? "HTTP" : `TLS (${l.tls.length} chains)`} <- ${l.origins.join(", ")}`),
        `  ${ir.routeConfigs.length} route configs, ${routes} routes, ${ir.clusters.length} clusters, ${ir.secrets.length} secrets, ${ir.apiListeners.length} gRPC api listeners`,
      ].join("\n") + "\n",
    );
    return prep.problems.length > 0 ? 1 : 0;
  }

  const log = createLogger({ level: config.log.level, format: config.log.format, base: { node: config.node.name } });
  log.info("edgegate starting", { version, config: values.config ?? "(flags)", inputs: config.source.paths });
  let app;
  // Kubernetes mode: objects from the API, status written back by the Lease holder.
  let kube: import("../sources/kube/mode.ts").KubeMode | undefined;
  try {
    if (config.source.kubernetes) {
      await import("../kinds.ts");
      const { createKubeMode } = await import("../sources/kube/mode.ts");
      kube = createKubeMode(config, log);
      const k = kube;
      app = await startAppliance(config, log, k.source, { onCompiled: (r) => k.publishStatus(r.status) });
      // Programmed follows what this node's Envoy ACKs (src/kube/node-report.ts).
      k.followDataPlane(app.cache);
      k.startLeaderElection();
    } else app = await startAppliance(config, log);
  } catch (e) {
    log.error("start-up failed", { error: (e as Error).message });
    await kube?.stop();
    return 1;
  }
  return await new Promise<number>((done) => {
    let signals = 0;
    const shutdown = (sig: string): void => {
      signals++;
      log.info(signals === 1 ? "shutting down: draining" : "shutting down now: drain cut short", { signal: sig });
      // The Lease is released first, so another node takes over status writing at once.
      void (kube?.stop() ?? Promise.resolve()).then(() => app.stop({ drain: signals === 1 })).then(() => done(0));
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGHUP", () => {
      log.info("SIGHUP: re-reading inputs");
      app.reload();
    });
  });
}
