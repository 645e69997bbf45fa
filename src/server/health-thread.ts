// The main thread's side of the health worker (health-worker.ts): start it on an address, feed it
// verdicts and a heartbeat, stop it. The messages both sides exchange are typed here.
import type { ListenAddress } from "../net/address.ts";
import type { Verdict } from "./health.ts";

export type HealthWorkerRequest =
  | { type: "listen"; address: ListenAddress; livenessStallMs: number }
  | { type: "state"; health: Verdict; readiness: Verdict }
  | { type: "stop" };

export type HealthWorkerReply = { type: "listening"; port?: number } | { type: "error"; code?: string; message: string } | { type: "stopped" };

/** How often the verdicts (and with them the heartbeat) go to the worker. */
const BEAT_MS = 250;

function workerPath(): string {
  // In the compiled binary the worker is an entry point of its own (scripts/build.ts).
  return import.meta.url.includes("/$bunfs/") ? "./server/health-worker.ts" : new URL("./health-worker.ts", import.meta.url).href;
}

export interface HealthThread {
  port?: number;
  /** Sends the current verdicts now (on a change), besides the heartbeat's. */
  push(): void;
  stop(): Promise<void>;
}

/**
 * Serves the health routes on `address` from a worker thread. Resolves once it listens; rejects
 * with the bind error (its errno code kept) so the caller can word it.
 */
export async function startHealthThread(
  address: ListenAddress,
  verdicts: () => { health: Verdict; readiness: Verdict },
  livenessStallMs: number,
): Promise<HealthThread> {
  const worker = new Worker(workerPath());
  const next = (): Promise<HealthWorkerReply> =>
    new Promise((resolve) => worker.addEventListener("message", (e: MessageEvent<HealthWorkerReply>) => resolve(e.data), { once: true }));
  const send = (m: HealthWorkerRequest): void => worker.postMessage(m);
  const post = (): void => send({ type: "state", ...verdicts() });
  post();
  const listening = next();
  send({ type: "listen", address, livenessStallMs });
  const r = await listening;
  if (r.type === "error") {
    worker.terminate();
    throw Object.assign(new Error(r.message), { code: r.code });
  }
  const beat = setInterval(post, BEAT_MS);
  return {
    port: r.type === "listening" ? r.port : undefined,
    push: post,
    async stop() {
      clearInterval(beat);
      const stopped = next();
      send({ type: "stop" });
      await Promise.race([stopped, Bun.sleep(1000)]);
      worker.terminate();
    },
  };
}
