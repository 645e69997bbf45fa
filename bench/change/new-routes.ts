// Issue 17 item 3: COUNT GRPCRoutes added one after another through the running appliance (file
// source, translation, ADS), each written to its own file only after the previous one serves, with
// OTHERS generated HTTPRoutes loaded. Measured from the file write to the first OK RPC of a real
// grpc-js-xds client (this process) that keeps calling the new route every 2 ms. Before a route
// exists its RPCs match no route ("Failed to route call"): the expected not-found; any other
// error counts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/types.ts";
import { createLogger } from "../../src/log/logger.ts";
import { startAppliance } from "../../src/run/appliance.ts";
import { freePort } from "../../tests/helpers/ports.ts";
import { call, startBackend, xdsClient } from "../../tests/xds/grpc.ts";
import { gatewayClass, gatewayYaml, grpcRouteYaml, serviceYaml } from "../../tests/xds/pipeline-plane.ts";
import { generate } from "../generate.ts";
import { pct } from "./plane.ts";

export interface NewRouteFigures {
  others: number;
  count: number;
  p50: number;
  p99: number;
  max: number;
  expectedNotFound: number;
  otherErrors: number;
  firstOtherError?: string;
}

export async function newRoutes(others: number, count: number): Promise<NewRouteFigures> {
  const backend = await startBackend("N");
  const dir = mkdtempSync(join(tmpdir(), "edgegate-newroutes-"));
  if (others > 0)
    writeFileSync(
      join(dir, "others.yaml"),
      generate({ routes: others, hostnames: 1000, services: 500 }).replace(/^apiVersion: gateway.networking.k8s.io\/v1\nkind: GatewayClass[\s\S]*?---\n/, ""),
    );
  writeFileSync(join(dir, "base.yaml"), [gatewayClass, gatewayYaml({ grpc: 18080 }), serviceYaml("svc-n", [backend.port])].join("---\n"));
  // The hostname exists from the start (one route), so the figures are about routes, not listeners.
  writeFileSync(
    join(dir, "new-0.yaml"),
    grpcRouteYaml("new-0", { hostnames: ["new.example.com"], rules: [{ method: "test.Echo/Echo", headers: { "x-route": "0" }, to: { "svc-n": 1 } }] }),
  );
  const port = await freePort();
  const config = defaultConfig("bench-new-routes");
  config.source.paths = [dir];
  config.xds = { socket: join(dir, "xds.sock"), tcpAddress: `127.0.0.1:${port}` };
  config.health.address = "127.0.0.1:0";
  config.admin.address = "127.0.0.1:0";
  config.envoy = { ...config.envoy, path: "/nonexistent/envoy", drainSeconds: 0 };
  const app = await startAppliance(config, createLogger({ level: "error" }));
  const ch = xdsClient("new.example.com", port, "bench-new-routes");
  await call(ch, "/test.Echo/Echo", { "x-route": "0" }, 60000);
  const samples: number[] = [];
  let expectedNotFound = 0;
  let otherErrors = 0;
  let firstOtherError: string | undefined;
  for (let i = 1; i <= count; i++) {
    const t0 = performance.now();
    writeFileSync(
      join(dir, `new-${i}.yaml`),
      grpcRouteYaml(`new-${i}`, {
        hostnames: ["new.example.com"],
        rules: [{ method: "test.Echo/Echo", headers: { "x-route": String(i) }, to: { "svc-n": 1 } }],
      }),
    );
    for (;;) {
      try {
        await call(ch, "/test.Echo/Echo", { "x-route": String(i) }, 10000);
        samples.push(performance.now() - t0);
        break;
      } catch (e) {
        const msg = (e as Error).message;
        if (msg.includes("Failed to route call")) expectedNotFound++;
        else {
          otherErrors++;
          firstOtherError ??= msg;
        }
        if (performance.now() - t0 > 30000) throw new Error(`route new-${i} never served: ${msg}`);
        await Bun.sleep(2);
      }
    }
  }
  ch.close();
  await app.stop({ drain: false });
  await backend.stop();
  rmSync(dir, { recursive: true, force: true });
  return { others, count, p50: pct(samples, 50), p99: pct(samples, 99), max: pct(samples, 100), expectedNotFound, otherErrors, firstOtherError };
}
