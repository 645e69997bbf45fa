// The ADS server: AggregatedDiscoveryService (state of the world and delta) over gRPC, served by
// @connectrpc/connect-node on node:http2, on a Unix socket and/or TCP.
import { createContextValues } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { unlinkSync } from "node:fs";
import { silentLogger, type Logger } from "../../log/logger.ts";
import type { SnapshotCache } from "../cache/cache.ts";
import { adsRoutes, OpenStreams, peerAddressKey, peerPidKey } from "./ads-service.ts";
import { peerCredentials, socketFd } from "../../net/peer-credentials.ts";
import { listenTcp, listenUnix, type Bound, type H2Handler } from "./listen.ts";

export interface XdsServerOptions {
  cache: SnapshotCache;
  /** Path of the Unix socket for the local Envoy; its directory is created (0700) if missing. */
  unixSocket?: string;
  /** TCP listener for other xDS clients (proxyless gRPC). host defaults to 127.0.0.1; port 0 picks one. */
  tcp?: { host?: string; port: number };
  logger?: Logger;
}

export interface XdsServer {
  readonly unixSocket?: string;
  readonly tcp?: { host: string; port: number };
  /** Live ADS streams (both flavours). */
  openStreams(): number;
  /**
   * Stops accepting, ends every ADS stream with OK (clients reconnect elsewhere or later), waits up
   * to graceMs (default 2000) for connections to go, then destroys what is left. Idempotent.
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

// xDS responses for large configurations exceed gRPC's customary 4 MiB; Envoy accepts up to 2 GiB.
const maxMessageBytes = 256 * 1024 * 1024;

export async function startXdsServer(opts: XdsServerOptions): Promise<XdsServer> {
  if (!opts.unixSocket && !opts.tcp) throw new Error("xds: neither a Unix socket nor a TCP address to listen on");
  const logger = (opts.logger ?? silentLogger).with({ component: "xds" });
  const open = new OpenStreams();
  const routes = adsRoutes(opts.cache, open, logger);
  const adapter = (describe: (remote: string | undefined, port: number | undefined) => string, unix = false): H2Handler =>
    connectNodeAdapter({
      routes,
      grpc: true,
      connect: false,
      grpcWeb: false,
      readMaxBytes: maxMessageBytes,
      writeMaxBytes: maxMessageBytes,
      contextValues: (req) => {
        const v = createContextValues().set(peerAddressKey, describe(req.socket?.remoteAddress, req.socket?.remotePort));
        // Who connected, as the kernel recorded it: readiness counts only the supervised Envoy.
        const fd = unix ? socketFd(req.socket) : undefined;
        const pid = fd === undefined ? undefined : peerCredentials(fd)?.pid;
        return pid === undefined ? v : v.set(peerPidKey, pid);
      },
    });

  const bound: Bound[] = [];
  let unixSocket: string | undefined;
  let tcp: { host: string; port: number } | undefined;
  try {
    if (opts.unixSocket) {
      const path = opts.unixSocket;
      bound.push(
        await listenUnix(
          path,
          adapter(() => `unix:${path}`, true),
        ),
      );
      unixSocket = path;
      logger.info("xds listening", { unix: path });
    }
    if (opts.tcp) {
      const host = opts.tcp.host ?? "127.0.0.1";
      const b = await listenTcp(
        host,
        opts.tcp.port,
        adapter((ip, port) => `${ip ?? "?"}:${port ?? "?"}`),
      );
      bound.push(b);
      tcp = { host, port: b.port };
      logger.info("xds listening", { tcp: `${host}:${b.port}` });
    }
  } catch (err) {
    for (const b of bound) b.server.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const close = (graceMs: number): Promise<void> => {
    const closed = bound.map((b) => new Promise<void>((resolve) => b.server.close(() => resolve())));
    open.endAll();
    for (const b of bound) for (const s of b.sessions) s.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const b of bound) for (const s of b.sessions) s.destroy();
        resolve();
      }, graceMs);
    });
    return Promise.race([Promise.all(closed).then(() => undefined), forced]).then(() => {
      clearTimeout(timer);
      if (unixSocket) {
        try {
          unlinkSync(unixSocket);
        } catch {
          // Already gone (the runtime may remove it on close).
        }
      }
      logger.info("xds server closed");
    });
  };

  return {
    unixSocket,
    tcp,
    openStreams: () => open.size,
    close: (o) => (closing ??= close(o?.graceMs ?? 2000)),
  };
}
