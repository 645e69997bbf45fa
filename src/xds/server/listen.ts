// Listening sockets for the ADS server: a Unix socket for the local Envoy (file permissions are the
// access control, so it is 0600 in a 0700 directory we create) and optional TCP, loopback unless
// configured otherwise. Both speak HTTP/2 with prior knowledge (h2c), which is what Envoy's and
// gRPC's clients do on an insecure channel.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { connect } from "node:net";
import { dirname } from "node:path";
import * as http2 from "node:http2";

export type H2Handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;

export interface Bound {
  server: http2.Http2Server;
  sessions: Set<http2.ServerHttp2Session>;
}

function h2Server(handler: H2Handler): Bound {
  // Envoy keeps one ADS stream per connection; the defaults for concurrent streams are plenty.
  const server = http2.createServer({}, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
    // An HTTP/2 session error is a per-client problem; without a listener it would crash us.
    s.on("error", () => {});
  });
  return { server, sessions };
}

function listening(server: http2.Http2Server, arg: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once("error", onError);
    server.listen(arg, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** True when something accepts connections on the socket (then it is not stale). */
function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ path });
    const done = (alive: boolean): void => {
      c.destroy();
      resolve(alive);
    };
    c.once("connect", () => done(true));
    c.once("error", () => done(false));
    c.setTimeout(500, () => done(false));
  });
}

export async function listenUnix(path: string, handler: H2Handler): Promise<Bound> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let st;
  try {
    st = lstatSync(path);
  } catch {
    st = undefined;
  }
  if (st) {
    // Never delete something that is not a socket, nor a socket another process still serves on.
    if (!st.isSocket()) throw new Error(`xds: ${path} exists and is not a socket; refusing to replace it`);
    if (await socketAlive(path)) throw new Error(`xds: another process is serving on ${path}`);
    unlinkSync(path);
  }
  const b = h2Server(handler);
  // umask makes the socket 0600 from birth, so there is no window where others could connect;
  // chmod afterwards in case the runtime ignored the umask.
  const old = process.umask(0o177);
  try {
    await listening(b.server, { path });
  } finally {
    process.umask(old);
  }
  chmodSync(path, 0o600);
  return b;
}

export async function listenTcp(host: string, port: number, handler: H2Handler): Promise<Bound & { port: number }> {
  const b = h2Server(handler);
  await listening(b.server, { host, port });
  const addr = b.server.address();
  const bound = typeof addr === "object" && addr ? addr.port : port;
  return { ...b, port: bound };
}
