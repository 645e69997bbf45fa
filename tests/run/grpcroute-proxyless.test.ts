// End to end without Envoy: GRPCRoute YAML on disk -> the appliance (file source, translation,
// emit, ADS server) -> a real proxyless gRPC client (@grpc/grpc-js-xds) -> real gRPC backends.
// grpc-js-xds implements Envoy's route matching independently, so this checks what edgegate emits
// for GRPCRoutes (api_listener, RDS, EDS clusters with localities) with a real xDS client.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as grpc from "@grpc/grpc-js";
import { testApplianceConfig } from "../helpers/appliance-config.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { startAppliance, type ApplianceHandle } from "../../src/run/appliance.ts";
import { call, startBackend, xdsClient, type Backend } from "../xds/grpc.ts";
import { freePort } from "../helpers/ports.ts";

let dir: string;
let app: ApplianceHandle;
let a: Backend, b: Backend, c: Backend;
const clients: grpc.Client[] = [];

const svc = (name: string, port: number): string =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: default, annotations: {edgegate.io/endpoints: "127.0.0.1:${port}"}}\nspec: {ports: [{port: 9000, appProtocol: kubernetes.io/h2c}]}\n`;

function routes(adminBackend: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: echo, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: grpc}]
  rules:
  - matches: [{method: {service: test.Admin}}]
    backendRefs: [{name: ${adminBackend}, port: 9000}]
  - matches: [{method: {service: test.Echo, method: Echo}, headers: [{name: x-canary, value: "yes"}]}]
    backendRefs: [{name: backend-c, port: 9000}]
  - matches: [{method: {service: test.Echo, method: Echo}}]
    backendRefs: [{name: backend-a, port: 9000}]
  - backendRefs: [{name: backend-b, port: 9000}]
`;
}

beforeAll(async () => {
  [a, b, c] = await Promise.all([startBackend("A"), startBackend("B"), startBackend("C")]);
  dir = mkdtempSync(join(tmpdir(), "edgegate-grpcroute-"));
  writeFileSync(
    join(dir, "gateway.yaml"),
    `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edgegate}\nspec: {controllerName: edgegate.io/gateway-controller}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: default}\nspec:\n  gatewayClassName: edgegate\n  listeners: [{name: grpc, protocol: HTTP, port: 18080}]\n---\n${svc("backend-a", a.port)}---\n${svc("backend-b", b.port)}---\n${svc("backend-c", c.port)}`,
  );
  writeFileSync(join(dir, "routes.yaml"), routes("backend-b"));
  const config = testApplianceConfig("grpcroute-test", dir, await freePort());
  app = await startAppliance(config, silentLogger);
});

afterAll(async () => {
  for (const ch of clients) ch.close();
  await app?.stop({ drain: false });
  await Promise.all([a, b, c].map((x) => x?.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function client(node: string): grpc.Client {
  const ch = xdsClient("grpc.gw.default", app.xds.tcp!.port, node);
  clients.push(ch);
  return ch;
}

describe("GRPCRoute through the proxyless gRPC path", () => {
  test("method and header matches steer real RPCs to the right backend; the client ACKs everything", async () => {
    const ch = client("route-1");
    expect(await call(ch, "/test.Echo/Echo")).toBe("A");
    expect(await call(ch, "/test.Echo/Echo", { "x-canary": "yes" })).toBe("C");
    expect(await call(ch, "/test.Echo/Other")).toBe("B");
    expect(await call(ch, "/test.Admin/Status")).toBe("B");
    expect(app.cache.ackState("route-1")).toEqual({ current: true });
  });

  test("a route edited on disk re-routes the live client", async () => {
    const ch = client("route-2");
    expect(await call(ch, "/test.Admin/Status")).toBe("B");
    writeFileSync(join(dir, "routes.yaml"), routes("backend-c"));
    const until = Date.now() + 10_000;
    let got = "";
    while (Date.now() < until && (got = await call(ch, "/test.Admin/Status")) !== "C") await Bun.sleep(50);
    expect(got).toBe("C");
  });
});
