// Restart delays for a crashing Envoy: doubling from `initialMs` up to `maxMs`, back to the start
// once a run lasted `resetAfterMs` (a proxy that ran for a while and then died is a new incident,
// not the next step of a crash loop).
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

export class Backoff {
  private attempt = 0;
  constructor(private readonly policy: BackoffPolicy) {}

  /** Delay before the next start, given how long the run that just ended lasted. */
  next(ranForMs: number): number {
    if (ranForMs >= this.policy.resetAfterMs) this.attempt = 0;
    const delay = Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** this.attempt);
    if (delay < this.policy.maxMs) this.attempt++;
    return delay;
  }
}
