// Retry delays for API calls: doubling with full jitter (so a fleet of nodes does not reconnect to a
// restarted API server in lock step), capped, and reset after a success. Retries never give up: a
// node keeps serving its last configuration while it waits.
export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

export const defaultRetry: RetryPolicy = { initialMs: 250, maxMs: 30_000 };

export class Retry {
  private attempt = 0;
  constructor(private readonly policy: RetryPolicy = defaultRetry) {}

  next(): number {
    const ceiling = Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** this.attempt);
    if (ceiling < this.policy.maxMs) this.attempt++;
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Sleeps unless the signal aborts first; never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
