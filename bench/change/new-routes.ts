// Issue 17 item 3: COUNT GRPCRoutes added one after another through the running appliance (file
// source, translation, ADS), each written to its own file only after the previous one serves, with
// OTHERS generated HTTPRoutes loaded. Measured from the file write to the first OK RPC of a real
// grpc-js-xds client that keeps calling the new route every 2 ms, in a child process
// (new-routes-child.ts) so the appliance's thread is measured alone. Before a route exists its
// RPCs match no route ("Failed to route call"): the expected not-found; any other error counts.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/types.ts";
import { createLogger } from "../../src/log/logger.ts";
import { startAppliance } from "../../src/run/appliance.ts";
import { freePort } from "../../tests/helpers/ports.ts";
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
  const child = spawn(process.execPath, [join(import.meta.dir, "new-routes-child.ts")], { stdio: ["pipe", "pipe", "inherit"] });
  const waiting: Array<(m: Record<string, unknown>) => boolean> = [];
  const next = (pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((resolve) => waiting.push((m) => (pred(m) ? (resolve(m), true) : false)));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const m = JSON.parse(line) as Record<string, unknown>;
    for (let i = 0; i < waiting.length; i++) if (waiting[i]!(m)) waiting.splice(i--, 1);
  });
  const send = (o: unknown): void => void child.stdin!.write(`${JSON.stringify(o)}\n`);
  const { port: backendPort } = (await next((m) => "port" in m)) as { port: number };
  const dir = mkdtempSync(join(tmpdir(), "edgegate-newroutes-"));
  if (others > 0)
    writeFileSync(
      join(dir, "others.yaml"),
      generate({ routes: others, hostnames: 1000, services: 500 }).replace(/^apiVersion: gateway.networking.k8s.io\/v1\nkind: GatewayClass[\s\S]*?---\n/, ""),
    );
  writeFileSync(join(dir, "base.yaml"), [gatewayClass, gatewayYaml({ grpc: 18080 }), serviceYaml("svc-n", [backendPort])].join("---\n"));
  // The hostname exists from the start (one route), so the figures are about routes, not listeners.
  writeFileSync(
    join(dir, "new-0.yaml"),
    grpcRouteYaml("new-0", { hostnames: ["new.example.com"], rules: [{ method: "test.Echo/Echo", headers: { "x-route": "0" }, to: { "svc-n": 1 } }] }),
  );
  const port = await freePort();
  const config = defaultConfig("bench-new-routes");
  config.source.paths = [dir];
  config.xds = { socket: join(dir, "xds.sock"), tcpAddress: { kind: "tcp", host: "127.0.0.1", port } };
  config.health.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
  config.admin.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
  config.envoy = { ...config.envoy, path: "/nonexistent/envoy", drainSeconds: 0 };
  const app = await startAppliance(config, createLogger({ level: "error" }));
  send({ start: { adsPort: port, host: "new.example.com" } });
  await next((m) => "started" in m);
  const samples: number[] = [];
  let expectedNotFound = 0;
  let otherErrors = 0;
  let firstOtherError: string | undefined;
  for (let i = 1; i <= count; i++) {
    // The probe starts before the write, so the first OK is never missed; its not-founds before
    // the write are expected ones like any other.
    const done = next((m) => m.ok === i || m.never === i);
    send({ probe: i });
    const t0 = performance.timeOrigin + performance.now();
    writeFileSync(
      join(dir, `new-${i}.yaml`),
      grpcRouteYaml(`new-${i}`, {
        hostnames: ["new.example.com"],
        rules: [{ method: "test.Echo/Echo", headers: { "x-route": String(i) }, to: { "svc-n": 1 } }],
      }),
    );
    const r = (await done) as { ok?: number; t: number; notFound: number; errors: number; firstError?: string; error?: string };
    if (r.ok === undefined) throw new Error(`route new-${i} never served: ${r.error}`);
    samples.push(r.t - t0);
    expectedNotFound += r.notFound;
    otherErrors += r.errors;
    firstOtherError ??= r.firstError;
  }
  send({ stop: true });
  await next((m) => "stopped" in m);
  await app.stop({ drain: false });
  rmSync(dir, { recursive: true, force: true });
  return { others, count, p50: pct(samples, 50), p99: pct(samples, 99), max: pct(samples, 100), expectedNotFound, otherErrors, firstOtherError };
}
