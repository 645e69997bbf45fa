// A small Kubernetes API client on Bun's fetch. Not @kubernetes/client-node: under Bun that client
// silently drops the CA, client certificates and insecure-skip-tls-verify (FINDINGS.md), so a
// cluster's own CA would never be checked. Here every request carries `tls: { ca, cert, key }`
// explicitly, and tests/kube/tls.test.ts proves an untrusted server is refused.
import type { KubeConnection } from "./connection.ts";
import { isObj, type Obj } from "../yaml/value.ts";

/** An error answer from the API server (a metav1.Status), or a transport failure (status 0). */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** Milliseconds before the request is abandoned; watches pass 0 (no limit). */
  timeoutMs?: number;
}

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: Obj;
}

const userAgent = "edgegate";

export class KubeClient {
  constructor(readonly conn: KubeConnection) {}

  private init(method: string, opts: RequestOptions): BunFetchRequestInit {
    const headers: Record<string, string> = { accept: "application/json", "user-agent": userAgent };
    const token = this.conn.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers["content-type"] = opts.contentType ?? "application/json";
    const signals = [opts.signal, opts.timeoutMs !== 0 ? AbortSignal.timeout(opts.timeoutMs ?? 30_000) : undefined].filter(
      (x): x is AbortSignal => x !== undefined,
    );
    return {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
      // The whole point of this client: the cluster's CA and our client certificate, always.
      tls: {
        ca: this.conn.ca,
        cert: this.conn.cert,
        key: this.conn.key,
        rejectUnauthorized: !this.conn.insecure,
      },
      // A proxy from the environment must not see (or break) API traffic.
      proxy: false,
      // Bun's own idle timer (5 min, checked on a coarse tick) would end a quiet watch as "The
      // operation timed out." and the outage logic would resync every watch; watches keep their own
      // idle limit (watch() below, longer than the server's timeoutSeconds), other requests the signal above.
      ...(opts.timeoutMs === 0 ? { timeout: false } : {}),
    } as BunFetchRequestInit;
  }

  private async send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.conn.server + path, this.init(method, opts));
    } catch (e) {
      const err = e as Error & { code?: string };
      throw new KubeApiError(0, err.code ?? err.name, `${method} ${path}: ${err.message}`);
    }
    if (!res.ok) throw await apiError(method, path, res);
    return res;
  }

  /** One request; the JSON answer as an object (every answer of the API server is one). */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Obj> {
    const res = await this.send(method, path, opts);
    let body: unknown;
    try {
      body = await res.json();
    } catch (e) {
      throw new KubeApiError(0, "BadResponse", `${method} ${path}: ${(e as Error).message}`);
    }
    if (!isObj(body)) throw new KubeApiError(0, "BadResponse", `${method} ${path}: the answer is not a JSON object`);
    return body;
  }

  /** The HTTP status of a GET whose body is not JSON (/readyz answers "ok"); 0 when unreachable. */
  async httpStatus(path: string, opts: RequestOptions = {}): Promise<number> {
    try {
      const res = await fetch(this.conn.server + path, this.init("GET", opts));
      await res.arrayBuffer().catch(() => undefined);
      return res.status;
    } catch {
      return 0;
    }
  }

  /**
   * A watch: yields events as the server sends them (one JSON object per line) until the server
   * ends the stream, the signal aborts it, or no byte (not even a bookmark) arrives for idleMs.
   */
  async *watch(path: string, signal: AbortSignal, idleMs: number, onOpen?: () => void): AsyncGenerator<WatchEvent> {
    const idle = new AbortController();
    const res = await this.send("GET", path, { signal: AbortSignal.any([signal, idle.signal]), timeoutMs: 0 });
    onOpen?.();
    if (!res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    let timer = setTimeout(() => idle.abort(), idleMs);
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (e) {
          const why = idle.signal.aborted ? `no data for ${idleMs} ms` : (e as Error).message;
          throw new KubeApiError(0, "WatchBroken", `watch ${path}: ${why}`);
        }
        if (chunk.done) return;
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(), idleMs);
        buf += decoder.decode(chunk.value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line === "") continue;
          const ev: unknown = JSON.parse(line);
          if (isObj(ev) && typeof ev.type === "string" && isObj(ev.object)) yield { type: ev.type as WatchEvent["type"], object: ev.object };
        }
      }
    } finally {
      clearTimeout(timer);
      reader.cancel().catch(() => {});
    }
  }
}

async function apiError(method: string, path: string, res: Response): Promise<KubeApiError> {
  let reason = res.statusText;
  let message = "";
  try {
    const body: unknown = await res.json();
    if (isObj(body)) {
      if (typeof body.reason === "string") reason = body.reason;
      if (typeof body.message === "string") message = body.message;
    }
  } catch {
    // Not a metav1.Status (a proxy's error page): the status code says enough.
  }
  return new KubeApiError(res.status, reason, `${method} ${path}: ${res.status} ${reason}${message ? `: ${message}` : ""}`);
}
