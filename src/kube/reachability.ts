// One view, shared by every watch, of whether the API server can be reached. Without it each watch
// backs off on its own up to 30 s, so after an outage the last one resynced ~44 s late, and each
// logged every failed attempt. With it:
//   - the first failure that says "unreachable" (no connection, 5xx, 429) is logged once, and a
//     single probe (GET /readyz, allowed to anyone by the default RBAC) looks for the API server
//     every <= 3 s (jittered, so a fleet of nodes does not probe in step);
//   - every waiting watch is woken (spread over half a second) as soon as the probe, or any call,
//     succeeds again, so all of them resync within seconds of the API server's return;
//   - the return is logged once, with how long the outage lasted.
import type { Logger } from "../log/logger.ts";
import { KubeApiError, type KubeClient } from "./client.ts";
import { sleep } from "./backoff.ts";

export interface ReachabilityOptions {
  probeInitialMs?: number;
  probeMaxMs?: number;
  /** Woken watches start within this spread, so they do not all hit the API server at once. */
  wakeSpreadMs?: number;
}

/** Errors that say the API server itself is unreachable or overloaded, not that a request was wrong. */
export function unreachable(e: unknown): boolean {
  if (!(e instanceof KubeApiError)) return true;
  return e.status === 0 || e.status === 429 || e.status >= 500;
}

export class ApiReachability {
  private downSince: number | undefined;
  private lastError = "";
  private readonly waiters = new Set<() => void>();
  private probing: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** Outages seen (for /status). */
  outages = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    private readonly o: ReachabilityOptions = {},
  ) {}

  get down(): boolean {
    return this.downSince !== undefined;
  }

  /** A call failed; if the failure says the API server is unreachable, the outage starts here. */
  failed(e: unknown): void {
    if (!unreachable(e) || this.abort.signal.aborted) return;
    this.lastError = (e as Error).message;
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.outages++;
    this.log.warn("Kubernetes API unreachable; serving the last known configuration until it returns", { error: this.lastError });
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
  }

  /** A call succeeded: the API server is back (if it was gone). */
  succeeded(): void {
    if (this.downSince === undefined) return;
    const ms = Date.now() - this.downSince;
    this.downSince = undefined;
    this.log.info("Kubernetes API reachable again; resyncing every watch", { outageMs: ms });
    const spread = this.o.wakeSpreadMs ?? 500;
    for (const w of this.waiters) setTimeout(w, Math.random() * spread);
    this.waiters.clear();
  }

  /** Waits ms, or less: until the API server is seen again after an outage. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.downSince === undefined) return sleep(ms, signal);
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      void sleep(ms, AbortSignal.any([signal, this.abort.signal])).then(done);
    });
  }

  private async probe(): Promise<void> {
    let delay = this.o.probeInitialMs ?? 250;
    const max = this.o.probeMaxMs ?? 3000;
    let lastLog = Date.now();
    while (this.downSince !== undefined && !this.abort.signal.aborted) {
      await sleep(delay / 2 + (Math.random() * delay) / 2, this.abort.signal);
      delay = Math.min(max, delay * 2);
      const code = await this.client.httpStatus("/readyz", { signal: this.abort.signal, timeoutMs: 2000 });
      // Any answer but 5xx/429 means the API server is there (a proxy forbidding /readyz included).
      if (code !== 0 && code < 500 && code !== 429) {
        this.succeeded();
        continue;
      }
      if (code !== 0) this.lastError = `/readyz answered ${code}`;
      // Once a minute while it lasts, so an operator reading the log knows it still does.
      if (Date.now() - lastLog >= 60_000) {
        lastLog = Date.now();
        this.log.warn("Kubernetes API still unreachable; serving the last known configuration", {
          downForMs: Date.now() - this.downSince!,
          error: this.lastError,
        });
      }
    }
  }

  stop(): void {
    this.abort.abort();
    for (const w of this.waiters) w();
    this.waiters.clear();
  }
}
