// A stand-in for the edgegate process in the adoption tests: supervises the Envoy double and prints
// "READY <envoy pid> <adopted|started>" each time it is ready; SIGTERM stops Envoy and exits, SIGUSR2
// leaves Envoy running and exits. Argument: a JSON object with the supervisor options.
import { EnvoySupervisor } from "../../src/envoy/supervisor.ts";
import { silentLogger } from "../../src/log/logger.ts";
import type { ApplianceConfig } from "../../src/config/types.ts";

const spec = JSON.parse(process.argv[2] ?? "{}") as {
  envoy: ApplianceConfig["envoy"];
  bootstrap: string;
  runtimeDir: string;
  env: Record<string, string>;
};
const sup = new EnvoySupervisor({ ...spec, logger: silentLogger, timing: { readyPollMs: 20, adminTimeoutMs: 300, killGraceMs: 1000 } });
sup.onChange((s) => {
  if (s.phase === "ready") process.stdout.write(`READY ${s.pid} ${s.adopted ? "adopted" : "started"}\n`);
});
sup.start();
const keepAlive = setInterval(() => {}, 1 << 30);
process.on("SIGTERM", () => void sup.stop().then(() => (clearInterval(keepAlive), process.exit(0))));
process.on("SIGUSR2", () => void sup.detach().then(() => (clearInterval(keepAlive), process.exit(0))));
