// Binds the health and admin apps. The health port is served from a thread of its own
// (health-thread.ts), so probes are answered while the main thread translates a large input; when
// both addresses are the same, one server answers both (the admin app includes the health routes).
import type { Hono } from "hono";
import type { Logger } from "../log/logger.ts";
import { formatAddress, isLocalOnly, type ListenAddress } from "../net/address.ts";
import { createAdminApp, healthSourceOf } from "./apps.ts";
import { startHealthThread, type HealthThread } from "./health-thread.ts";
import { envoyStatsSource } from "./envoy-stats.ts";
import type { StatusProvider } from "./status-types.ts";

export type { ListenAddress };

export interface BoundServer {
  /** Base URL for TCP, "unix:PATH" for a socket. */
  url: string;
  port?: number;
}

export interface StatusServers {
  health: BoundServer;
  admin: BoundServer;
  stop(): Promise<void>;
}

/** Addresses as the configuration's check parsed them (src/config/check.ts): nothing here parses. */
export interface StatusServerOptions {
  health: ListenAddress;
  admin: ListenAddress;
  provider: StatusProvider;
  logger: Logger;
  /** admin.allowNonLoopback: the operator's opt-in to a network-reachable admin address. */
  adminAllowNonLoopback?: boolean;
  /** /livez turns 503 when the main thread has not beaten for this long (default 120 s). */
  livenessStallMs?: number;
  /** envoy.adminAddress: /metrics then carries the supervised Envoy's statistics. */
  envoyAdmin?: ListenAddress;
}

/** Why a bind failed, in words an operator can act on, with the setting and its flag. */
export function bindFailure(setting: string, flag: string, addr: ListenAddress, err: unknown): string {
  const where = formatAddress(addr);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const change = `choose another with ${setting} in the config file or ${flag}`;
  switch (code) {
    case "EADDRINUSE":
      return `${setting}: cannot listen on ${where}: the ${addr.kind === "unix" ? "socket" : "port"} is in use by another process (see \`ss -ltnp\`; kube-proxy's healthz holds 10256); ${change}`;
    case "EACCES":
    case "EPERM":
      return `${setting}: cannot listen on ${where}: permission denied (ports below 1024 need CAP_NET_BIND_SERVICE; a socket needs a writable folder); ${change}`;
    case "EADDRNOTAVAIL":
      return `${setting}: cannot listen on ${where}: ${addr.kind === "tcp" ? addr.host : where} is not an address of this host; ${change}`;
    case "ENOTDIR":
    case "ENOENT":
      return `${setting}: cannot listen on ${where}: a part of the path is not a folder; ${change}`;
    default:
      return `${setting}: cannot listen on ${where}: ${String(err)}; ${change}`;
  }
}

function serve(app: Hono, addr: ListenAddress, setting: string, flag: string): { server: ReturnType<typeof Bun.serve>; bound: BoundServer } {
  try {
    if (addr.kind === "unix") {
      const server = Bun.serve({ unix: addr.path, fetch: app.fetch });
      return { server, bound: { url: `unix:${addr.path}` } };
    }
    const server = Bun.serve({ hostname: addr.host, port: addr.port, fetch: app.fetch });
    const host = addr.host.includes(":") ? `[${addr.host}]` : addr.host;
    return { server, bound: { url: `http://${host}:${server.port}`, port: server.port } };
  } catch (err) {
    throw new Error(bindFailure(setting, flag, addr, err));
  }
}

export async function startStatusServers(opts: StatusServerOptions): Promise<StatusServers> {
  const log = opts.logger.with({ component: "status-server" });
  const { health: healthAddr, admin: adminAddr } = opts;
  if (!isLocalOnly(adminAddr)) {
    // /status shows the whole configuration: only with the operator's explicit opt-in.
    if (!opts.adminAllowNonLoopback)
      throw new Error(
        `admin.address "${formatAddress(adminAddr)}" is not loopback or a Unix socket; set admin.allowNonLoopback: true to expose /status and /metrics to the network`,
      );
    log.warn("admin.address is not loopback (admin.allowNonLoopback): /status and /metrics are reachable from other machines", {
      address: formatAddress(adminAddr),
    });
  }
  const envoyStats = opts.envoyAdmin ? envoyStatsSource(opts.envoyAdmin) : undefined;
  const admin = serve(createAdminApp(opts.provider, { envoyStats }), adminAddr, "admin.address", "--admin-address");
  // Port 0 means "any free port", so two port-0 addresses are two servers.
  const shared = formatAddress(healthAddr) === formatAddress(adminAddr) && !(healthAddr.kind === "tcp" && healthAddr.port === 0);
  let health: BoundServer = admin.bound;
  let thread: HealthThread | undefined;
  if (!shared) {
    const source = healthSourceOf(opts.provider);
    try {
      thread = await startHealthThread(healthAddr, () => source.verdicts(), opts.livenessStallMs ?? 120_000);
    } catch (err) {
      admin.server.stop(true);
      throw new Error(bindFailure("health.address", "--health-address", healthAddr, err));
    }
    const t = thread;
    opts.provider.onInvalidate?.(() => t.push());
    const host = healthAddr.kind === "tcp" ? (healthAddr.host.includes(":") ? `[${healthAddr.host}]` : healthAddr.host) : "";
    health = healthAddr.kind === "unix" ? { url: `unix:${healthAddr.path}` } : { url: `http://${host}:${thread.port}`, port: thread.port };
  }
  log.info("status server listening", { health: health.url, admin: admin.bound.url });
  return {
    health,
    admin: admin.bound,
    async stop() {
      await Promise.all([admin.server.stop(true), thread?.stop()]);
    },
  };
}
