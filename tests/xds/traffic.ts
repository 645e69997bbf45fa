// Continuous RPC traffic for the change-safety tests: each client fires one unary RPC every
// `everyMs` without waiting for the previous one (like a steady request rate), and every result is
// kept with its completion time, so a test can count failures and see when traffic converged.
import type * as grpc from "@grpc/grpc-js";
import { call } from "./grpc.ts";

export interface Outcome {
  client: number;
  at: number;
  label?: string;
  error?: string;
}

export interface Traffic {
  outcomes: Outcome[];
  failures(): Outcome[];
  /** Resolves when every client has had `n` consecutive answers from one of `labels` after `since`. */
  converged(labels: readonly string[], since: number, n?: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export function startTraffic(clients: readonly grpc.Client[], method: string, everyMs = 5, headers: Record<string, string> = {}): Traffic {
  const outcomes: Outcome[] = [];
  const inFlight = new Set<Promise<void>>();
  let running = true;
  clients.forEach((ch, client) => {
    void (async () => {
      while (running) {
        const p = call(ch, method, headers, 3000).then(
          (label) => void outcomes.push({ client, at: performance.now(), label }),
          (e: unknown) => void outcomes.push({ client, at: performance.now(), error: (e as Error).message }),
        );
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        await Bun.sleep(everyMs);
      }
    })();
  });
  return {
    outcomes,
    failures: () => outcomes.filter((o) => o.error !== undefined),
    converged: async (labels, since, n = 5, timeoutMs = 5000) => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const done = clients.map((_, c) => {
          const mine = outcomes.filter((o) => o.client === c && o.at >= since);
          const tail = mine.slice(-n);
          return tail.length === n && tail.every((o) => o.label !== undefined && labels.includes(o.label));
        });
        if (done.every(Boolean)) {
          // When the last client's last wrong answer came: the convergence time of this edit.
          const wrong = outcomes.filter((o) => o.at >= since && (o.label === undefined || !labels.includes(o.label)));
          const lastWrong = wrong.length > 0 ? Math.max(...wrong.map((o) => o.at)) : since;
          return lastWrong - since;
        }
        if (performance.now() > deadline) throw new Error(`traffic did not converge to ${labels.join("|")} within ${timeoutMs} ms`);
        await Bun.sleep(5);
      }
    },
    stop: async () => {
      running = false;
      await Promise.all([...inFlight]);
    },
  };
}

/** Polls until `cond` holds (an ACK may still be in flight when traffic has converged). */
export async function eventually(cond: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(10);
  }
  return true;
}
