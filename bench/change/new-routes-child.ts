// Child process of bench/change/new-routes.ts: the gRPC backend and the grpc-js-xds client, away
// from the appliance's event loop (decoding each grown RouteConfiguration in the appliance's own
// thread would measure the bench, not edgegate). Protocol on stdio, one JSON object a line:
//   out {"port": N}                                 the backend is up
//   in  {"start": {"adsPort": N, "host": "..."}}   dial xds:///host, wait for route 0 to serve
//   out {"started": true}
//   in  {"probe": i}                                call with x-route: i every 2 ms until one is OK
//   out {"ok": i, "t": epochMs, "notFound": n, "errors": n, "firstError"?: "..."}
//   in  {"stop": true}                              close the client and the backend; exit
import { createInterface } from "node:readline";
import type { Client } from "@grpc/grpc-js";
import { call, isNoRoute, startBackend, xdsClient } from "../../tests/xds/grpc.ts";

const backend = await startBackend("N");
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
// Wall-clock ms with sub-ms precision, comparable with the parent's (same clock, same machine).
const now = (): number => performance.timeOrigin + performance.now();
out({ port: backend.port });
let ch: Client | undefined;
for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line) as { start?: { adsPort: number; host: string }; probe?: number; stop?: boolean };
  if (msg.start) {
    ch = xdsClient(msg.start.host, msg.start.adsPort, "bench-new-routes");
    await call(ch, "/test.Echo/Echo", { "x-route": "0" }, 60000);
    out({ started: true });
  }
  if (msg.probe !== undefined && ch) {
    const i = msg.probe;
    const t0 = now();
    let notFound = 0;
    let errors = 0;
    let firstError: string | undefined;
    for (;;) {
      try {
        await call(ch, "/test.Echo/Echo", { "x-route": String(i) }, 10000);
        out({ ok: i, t: now(), notFound, errors, firstError });
        break;
      } catch (e) {
        // Before a route exists its RPCs match no route: the expected not-found; anything else counts.
        const m = (e as Error).message;
        if (isNoRoute(e)) notFound++;
        else {
          errors++;
          firstError ??= m;
        }
        if (now() - t0 > 30000) {
          out({ never: i, error: m });
          break;
        }
        await Bun.sleep(2);
      }
    }
  }
  if (msg.stop) {
    ch?.close();
    await backend.stop();
    out({ stopped: true });
    process.exit(0);
  }
}
