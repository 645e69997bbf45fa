// GAMMA for proxyless gRPC: a GRPCRoute whose parent is a Service, on disk -> the appliance -> a
// real @grpc/grpc-js-xds client dialing the Service's DNS name and port
// (xds:///echo.mesh.svc.cluster.local:7070, the api listener edgegate serves for the mesh route)
// -> real gRPC backends. grpc-js-xds matches routes itself, so this checks what edgegate emits.
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
let v1: Backend, v2: Backend;
const clients: grpc.Client[] = [];

const svc = (name: string, port: number): string =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: mesh, annotations: {edgegate.io/endpoints: "127.0.0.1:${port}"}}\nspec: {clusterIP: 10.96.50.${name === "echo" ? 1 : 2}, ports: [{name: grpc, port: 7070, appProtocol: grpc}]}\n`;

const route = (canary: string): string => `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: canary, namespace: mesh}
spec:
  parentRefs: [{group: "", kind: Service, name: echo, port: 7070}]
  rules:
  - matches: [{headers: [{name: x-canary, value: "yes"}]}]
    backendRefs: [{name: ${canary}, port: 7070}]
  - backendRefs: [{name: echo, port: 7070}]
`;

beforeAll(async () => {
  [v1, v2] = await Promise.all([startBackend("V1"), startBackend("V2")]);
  dir = mkdtempSync(join(tmpdir(), "edgegate-mesh-grpc-"));
  writeFileSync(join(dir, "services.yaml"), `${svc("echo", v1.port)}---\n${svc("echo-v2", v2.port)}`);
  writeFileSync(join(dir, "route.yaml"), route("echo-v2"));
  const config = testApplianceConfig("mesh-grpc-test", dir, await freePort());
  app = await startAppliance(config, silentLogger);
});

afterAll(async () => {
  for (const ch of clients) ch.close();
  await app?.stop({ drain: false });
  await Promise.all([v1, v2].map((x) => x?.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe("GRPCRoute with a Service parent, through a proxyless gRPC client", () => {
  test("the header canary goes to echo-v2, everything else to the Service itself; the client ACKs", async () => {
    const ch = xdsClient("echo.mesh.svc.cluster.local:7070", app.xds.tcp!.port, "mesh-1");
    clients.push(ch);
    expect(await call(ch, "/test.Echo/Echo")).toBe("V1");
    expect(await call(ch, "/test.Echo/Echo", { "x-canary": "yes" })).toBe("V2");
    expect(await call(ch, "/test.Admin/Status")).toBe("V1");
    expect(app.cache.ackState("mesh-1")).toEqual({ current: true });
  });

  test("the route edited on disk re-routes the live client", async () => {
    const ch = xdsClient("echo.mesh.svc.cluster.local:7070", app.xds.tcp!.port, "mesh-2");
    clients.push(ch);
    expect(await call(ch, "/test.Echo/Echo", { "x-canary": "yes" })).toBe("V2");
    writeFileSync(join(dir, "route.yaml"), route("echo"));
    const until = Date.now() + 10_000;
    let got = "";
    while (Date.now() < until && (got = await call(ch, "/test.Echo/Echo", { "x-canary": "yes" })) !== "V1") await Bun.sleep(50);
    expect(got).toBe("V1");
  });
});
