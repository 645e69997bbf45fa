// A healthy appliance status to start tests from; each test breaks the part it is about.
import type { ApplianceStatus, XdsClientTypeView } from "../../src/server/status-types.ts";

function type(t: string, version: string): XdsClientTypeView {
  return {
    type: t,
    typeUrl: `type.googleapis.com/${t}`,
    desiredVersion: version,
    sent: { version, at: 1_700_000_000_000 },
    acked: { version, at: 1_700_000_000_100 },
    rejecting: false,
    current: true,
  };
}

export function healthyStatus(): ApplianceStatus {
  return {
    version: "0.1.0",
    startedAt: "2024-01-01T00:00:00.000Z",
    node: { name: "edge-1", labels: { role: "edge" }, selector: { role: "edge" }, selected: true },
    envoy: {
      phase: "ready",
      message: "admin /ready answered LIVE",
      binary: "/usr/bin/envoy",
      pid: 4242,
      restarts: 2,
      startedAt: "2024-01-01T00:00:01.000Z",
      readySince: "2024-01-01T00:00:02.000Z",
      lastExit: { code: 1, signal: null, at: "2024-01-01T00:00:00.500Z", ranForMs: 120 },
    },
    xds: {
      snapshot: { seq: 3, version: "v3abc", publishedAt: 1_700_000_000_000, publishMs: 2.5 },
      clients: [
        {
          stream: 1,
          nodeId: "edge-1",
          address: "unix:/run/edgegate/xds.sock",
          peerPid: 4242,
          kind: "delta",
          connectedAt: 1_700_000_000_000,
          types: [type("cds", "c1"), type("lds", "l1")],
          current: true,
        },
        {
          stream: 2,
          nodeId: "grpc-client-a",
          address: "127.0.0.1:50000",
          kind: "sotw",
          connectedAt: 1_700_000_000_000,
          types: [type("lds", "l1")],
          current: true,
        },
      ],
      counters: {
        publishes: 3,
        pushes: { lds: 4, rds: 4, cds: 3, eds: 3, sds: 0 },
        acks: { lds: 4, rds: 4, cds: 3, eds: 3, sds: 0 },
        nacks: { lds: 0, rds: 0, cds: 1, eds: 0, sds: 0 },
        connectedClients: 2,
      },
    },
    inputs: {
      objects: [
        {
          kind: "Gateway",
          namespace: "default",
          name: "gw",
          generation: 1,
          conditions: [
            { type: "Accepted", status: "True", reason: "Accepted", message: "", observedGeneration: 1 },
            { type: "Programmed", status: "True", reason: "Programmed", message: "" },
          ],
          status: {
            addresses: [{ type: "IPAddress", value: "192.0.2.1" }],
            conditions: [],
            listeners: [
              {
                name: "http",
                supportedKinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }],
                attachedRoutes: 2,
                conditions: [
                  { type: "Accepted", status: "True", reason: "Accepted", message: "" },
                  { type: "Programmed", status: "True", reason: "Programmed", message: "" },
                ],
              },
            ],
          },
        },
        {
          kind: "HTTPRoute",
          namespace: "default",
          name: "web",
          conditions: [],
          parts: [
            {
              name: "default/gw",
              conditions: [
                { type: "Accepted", status: "True", reason: "Accepted", message: "" },
                { type: "ResolvedRefs", status: "False", reason: "BackendNotFound", message: 'service "web" not found' },
              ],
            },
          ],
          status: {
            parents: [
              {
                parentRef: { name: "gw" },
                controllerName: "edgegate.io/gateway-controller",
                conditions: [
                  { type: "Accepted", status: "True", reason: "Accepted", message: "" },
                  { type: "ResolvedRefs", status: "False", reason: "BackendNotFound", message: 'service "web" not found' },
                ],
              },
            ],
          },
        },
        { kind: "HTTPRoute", namespace: "default", name: "api", conditions: [] },
      ],
      counts: { Gateway: 1, HTTPRoute: 2 },
      problems: [{ file: "routes.yaml", line: 12, object: "HTTPRoute default/web", path: "spec.rules[0].backendRefs[0]", message: 'service "web" not found' }],
    },
    listeners: [{ name: "default/gw/80", address: "0.0.0.0", port: 80, protocol: "HTTP", from: "default/gw", attachedRoutes: 2 }],
    datapath: { mode: "off" },
    source: { mode: "files", state: "synced", lastSyncAt: "2024-01-01T00:00:00.200Z", objects: 3 },
  };
}

export const provide = (s: ApplianceStatus) => ({ snapshot: () => s });
