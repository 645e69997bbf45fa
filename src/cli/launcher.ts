// edgegate launcher: the process of Envoy's own container in the DaemonSet. A container
// restart kills every process the container started, so for Envoy to outlive a crash of edgegate,
// edgegate asks this launcher (over a Unix socket in the shared runtime folder) to start Envoy, and
// then supervises it through its pid record, /proc (shareProcessNamespace) and its admin API.
import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { parse } from "./args.ts";
import { createLogger } from "../log/logger.ts";
import { serveLauncher } from "../envoy/launcher.ts";

const help = `usage: edgegate launcher [--socket PATH]

Starts Envoy when edgegate asks (edgegate's config: envoy.launcher: unix:///PATH). Run it as the
command of Envoy's own container; the socket's folder must be shared with edgegate's container.
On SIGTERM it waits up to --grace seconds for edgegate to drain and stop Envoy, then stops it.

  --socket PATH     default /run/edgegate/launcher.sock
  --grace SECONDS   default 25
`;

export async function launcherCommand(args: string[]): Promise<number> {
  const { values } = parse("launcher", args, {
    socket: { type: "string" },
    grace: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const socket = typeof values.socket === "string" ? values.socket : "/run/edgegate/launcher.sock";
  const graceMs = Number(typeof values.grace === "string" ? values.grace : "25") * 1000;
  const log = createLogger({ level: "info", format: "json", base: { component: "envoy-launcher" } });
  mkdirSync(dirname(socket), { recursive: true, mode: 0o700 });
  rmSync(socket, { force: true });
  const children = new Set<number>();
  const server = serveLauncher(socket, (msg, fields) => {
    if (msg === "envoy started" && typeof fields.pid === "number") children.add(fields.pid);
    if (msg === "envoy exited" && typeof fields.pid === "number") children.delete(fields.pid);
    log.info(msg, fields);
  });
  log.info("envoy launcher listening", { socket });
  return await new Promise<number>((done) => {
    process.on("SIGTERM", () => {
      log.info("SIGTERM: waiting for edgegate to stop Envoy", { envoy: [...children].map(String), grace_ms: graceMs });
      const deadline = Date.now() + graceMs;
      const check = setInterval(() => {
        if (children.size > 0 && Date.now() < deadline) return;
        clearInterval(check);
        for (const pid of children) {
          try {
            process.kill(pid, "SIGTERM");
          } catch {
            // already gone
          }
        }
        server.stop();
        rmSync(socket, { force: true });
        done(0);
      }, 100);
    });
  });
}
