// Issue 17 item 1 at scale: the route-edit scenario (tests/xds/scenario.ts) with OTHERS generated
// HTTPRoutes loaded, 4 real grpc-js-xds clients (in this process) each sending an RPC every 5 ms.
import { generate } from "../generate.ts";
import { routeEditScenario } from "../../tests/xds/scenario.ts";
import { startTraffic } from "../../tests/xds/traffic.ts";
import { call, startBackend, xdsClient } from "../../tests/xds/grpc.ts";
import { TypeUrl } from "../../src/xds/resources.ts";
import { pct, startBenchPlane } from "./plane.ts";

export interface TrafficFigures {
  others: number;
  edits: number;
  rpcs: number;
  failed: number;
  convergenceP50: number;
  convergenceMax: number;
  compileP50: number;
}

export async function routeEditsUnderTraffic(others: number): Promise<TrafficFigures> {
  const backends = await Promise.all(["A", "B", "C", "D"].map((l) => startBackend(l)));
  const ports = Object.fromEntries(backends.map((b) => [b.label, b.port]));
  const p = await startBenchPlane();
  const sc = routeEditScenario(ports);
  // The generated routes go to the generated Gateway "bench"; the scenario has its own "gw".
  const bulk = others > 0 ? generate({ routes: others, hostnames: 1000, services: 500 }).replace(/^apiVersion: gateway.networking.k8s.io\/v1\nkind: GatewayClass[\s\S]*?---\n/, "") : "";
  const files = (): Record<string, string> => ({ ...sc.files(), ...(bulk ? { "others.yaml": bulk } : {}) });
  p.apply(files());
  const clients = [0, 1, 2, 3].map((i) => xdsClient(sc.host, p.port, `bench-traffic-${i}`));
  for (const ch of clients) await call(ch, "/test.Echo/Echo", {}, 30000);
  const traffic = startTraffic(clients, "/test.Echo/Echo");
  const convergence: number[] = [];
  const compile: number[] = [];
  for (const e of sc.edits) {
    e.apply();
    const from = p.events.length;
    const t0 = performance.now();
    const { pub, ms } = p.apply(files());
    compile.push(ms);
    if (e.expect.length > 1) {
      for (let i = 0; i < 4; i++) await p.until((ev) => ev.type === "ack" && ev.nodeId === `bench-traffic-${i}` && ev.typeUrl === TypeUrl.route, from);
      convergence.push(performance.now() - t0);
    } else if (pub.changed.length > 0) convergence.push(await traffic.converged(e.expect, t0, 5, 10000));
    await Bun.sleep(100);
  }
  await traffic.stop();
  for (const ch of clients) ch.close();
  await p.close();
  await Promise.all(backends.map((b) => b.stop()));
  return {
    others,
    edits: sc.edits.length,
    rpcs: traffic.outcomes.length,
    failed: traffic.failures().length,
    convergenceP50: pct(convergence, 50),
    convergenceMax: pct(convergence, 100),
    compileP50: pct(compile, 50),
  };
}
