// Binds the health and admin apps. When both addresses are the same, one server answers both
// (the admin app already includes the health routes).
import type { Hono } from "hono";
import type { Logger } from "../log/logger.ts";
import { isLoopbackIp } from "../envoy/admin-address.ts";
import { createAdminApp, createHealthApp } from "./apps.ts";
import type { StatusProvider } from "./status-types.ts";

export type ListenAddress = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

/** "0.0.0.0:10256", "127.0.0.1:9901", "[::1]:9901", ":10256" (all IPv4), "unix:///run/x.sock". Port 0 picks one. */
export function parseListenAddress(text: string, what: string): ListenAddress {
  if (text.startsWith("unix://")) {
    const path = text.slice("unix://".length);
    if (!path.startsWith("/")) throw new Error(`${what} "${text}": a Unix socket needs an absolute path`);
    return { kind: "unix", path };
  }
  const m = /^(?:\[([^\]]+)\]|([^:\[\]]*)):(\d+)$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) throw new Error(`${what} "${text}": expected HOST:PORT, [IPv6]:PORT or unix:///PATH`);
  return { kind: "tcp", host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

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

export interface StatusServerOptions {
  health: string;
  admin: string;
  provider: StatusProvider;
  logger: Logger;
}

function serve(app: Hono, addr: ListenAddress, what: string): { server: ReturnType<typeof Bun.serve>; bound: BoundServer } {
  try {
    if (addr.kind === "unix") {
      const server = Bun.serve({ unix: addr.path, fetch: app.fetch });
      return { server, bound: { url: `unix:${addr.path}` } };
    }
    const server = Bun.serve({ hostname: addr.host, port: addr.port, fetch: app.fetch });
    const host = addr.host.includes(":") ? `[${addr.host}]` : addr.host;
    return { server, bound: { url: `http://${host}:${server.port}`, port: server.port } };
  } catch (err) {
    throw new Error(`${what}: cannot listen on ${addr.kind === "unix" ? addr.path : `${addr.host}:${addr.port}`}: ${String(err)}`);
  }
}

export function startStatusServers(opts: StatusServerOptions): StatusServers {
  const log = opts.logger.with({ component: "status-server" });
  const healthAddr = parseListenAddress(opts.health, "health.address");
  const adminAddr = parseListenAddress(opts.admin, "admin.address");
  if (adminAddr.kind === "tcp" && !isLoopbackIp(adminAddr.host) && adminAddr.host !== "localhost") {
    log.warn("admin.address is not loopback: /status and /metrics are reachable from other machines", { address: opts.admin });
  }
  const admin = serve(createAdminApp(opts.provider), adminAddr, "admin.address");
  // Port 0 means "any free port", so two port-0 addresses are two servers.
  const shared = opts.health === opts.admin && !(healthAddr.kind === "tcp" && healthAddr.port === 0);
  let health = admin;
  if (!shared) {
    try {
      health = serve(createHealthApp(opts.provider), healthAddr, "health.address");
    } catch (err) {
      admin.server.stop(true);
      throw err;
    }
  }
  log.info("status server listening", { health: health.bound.url, admin: admin.bound.url });
  return {
    health: health.bound,
    admin: admin.bound,
    async stop() {
      await Promise.all([admin.server.stop(true), shared ? undefined : health.server.stop(true)]);
    },
  };
}
