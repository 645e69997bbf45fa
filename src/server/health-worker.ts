// The health port on a thread of its own: /livez, /healthz and /readyz answer from the last
// verdicts the main thread posted, so a load balancer's or kubelet's probe is answered within
// milliseconds even while the main thread is busy (a first translation of 100k routes takes
// seconds). The main thread posts its verdicts with a heartbeat every 250 ms; if the heartbeat
// stops for livenessStallMs, /livez says so (a hung process should be restarted, a busy one not).
import { Hono } from "hono";
import { addHealthRoutes } from "./apps.ts";
import type { Verdict } from "./health.ts";
import type { HealthWorkerReply, HealthWorkerRequest } from "./health-thread.ts";

declare const self: Worker;

let health: Verdict = { ok: false, reasons: ["starting: no verdict from edgegate yet"] };
let readiness: Verdict = { ok: false, reasons: ["starting: no verdict from edgegate yet"] };
let beatAt = Date.now();
let stallMs = 120_000;
let server: ReturnType<typeof Bun.serve> | undefined;

const reply = (m: HealthWorkerReply): void => postMessage(m);

function liveness(): Verdict {
  const silent = Date.now() - beatAt;
  return silent <= stallMs ? { ok: true, reasons: [] } : { ok: false, reasons: [`edgegate's main thread has not answered for ${Math.round(silent / 1000)} s`] };
}

self.onmessage = (e: MessageEvent<HealthWorkerRequest>) => {
  const m = e.data;
  if (m.type === "state") {
    health = m.health;
    readiness = m.readiness;
    beatAt = Date.now();
  } else if (m.type === "listen") {
    stallMs = m.livenessStallMs;
    const app = new Hono();
    addHealthRoutes(app, { verdicts: () => ({ health, readiness }), liveness });
    try {
      server =
        m.address.kind === "unix"
          ? Bun.serve({ unix: m.address.path, fetch: app.fetch })
          : Bun.serve({ hostname: m.address.host, port: m.address.port, fetch: app.fetch });
      reply({ type: "listening", port: server.port });
    } catch (err) {
      reply({ type: "error", code: (err as NodeJS.ErrnoException).code, message: String(err) });
    }
  } else if (m.type === "stop") {
    void server?.stop(true);
    reply({ type: "stopped" });
  }
};
