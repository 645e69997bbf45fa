// A stand-in for the edgegate process in the orphan test: supervises the Envoy double and prints
// "READY <envoy pid>" once it is ready, then waits to be killed. Argument: a JSON object with the
// supervisor options (config.envoy, bootstrap path, env, orphan guard).
import { EnvoySupervisor } from "../../src/envoy/supervisor.ts";
import { silentLogger } from "../../src/log/logger.ts";
import type { ApplianceConfig } from "../../src/config/types.ts";

const spec = JSON.parse(process.argv[2] ?? "{}") as {
  envoy: ApplianceConfig["envoy"];
  bootstrap: string;
  bootstrapPath: string;
  env: Record<string, string>;
  orphanGuard: "pdeathsig" | "none";
};
const sup = new EnvoySupervisor({ ...spec, logger: silentLogger, timing: { readyPollMs: 20 } });
sup.onChange((s) => {
  if (s.phase === "ready") process.stdout.write(`READY ${s.pid}\n`);
});
sup.start();
setInterval(() => {}, 1 << 30);
