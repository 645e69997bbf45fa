// Child process of bench/change/traffic.ts: the gRPC backends (A-D) and 4 grpc-js-xds clients,
// away from the control plane's event loop (a compile in the same process would stall them and
// measure the bench, not edgegate). Protocol on stdio, one JSON object a line:
//   out {"ports": {...}}                           backends are up
//   in  {"start": {"adsPort": N, "host": "..."}}  clients dial xds:///host, RPC every 5 ms each
//   out {"c": client, "t": epochMs, "l": label} | {"c", "t", "e": error}   every RPC outcome
//   in  {"stop": true}                             stop the traffic; exit when done
import { createInterface } from "node:readline";
import { call, startBackend, xdsClient } from "../../tests/xds/grpc.ts";

const backends = await Promise.all(["A", "B", "C", "D"].map((l) => startBackend(l)));
const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
out({ ports: Object.fromEntries(backends.map((b) => [b.label, b.port])) });
let running = false;
const inFlight = new Set<Promise<void>>();
for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line) as { start?: { adsPort: number; host: string }; stop?: boolean };
  if (msg.start) {
    const { adsPort, host } = msg.start;
    const clients = [0, 1, 2, 3].map((i) => xdsClient(host, adsPort, `bench-traffic-${i}`));
    for (const ch of clients) await call(ch, "/test.Echo/Echo", {}, 60000);
    running = true;
    clients.forEach((ch, c) => {
      void (async () => {
        while (running) {
          const p = call(ch, "/test.Echo/Echo", {}, 3000).then(
            (l) => out({ c, t: Date.now(), l }),
            (e: unknown) => out({ c, t: Date.now(), e: (e as Error).message }),
          );
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
          await Bun.sleep(5);
        }
      })();
    });
    out({ started: true });
  }
  if (msg.stop) {
    running = false;
    await Promise.all([...inFlight]);
    out({ stopped: true });
    process.exit(0);
  }
}
