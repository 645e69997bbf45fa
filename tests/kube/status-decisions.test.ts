// The pure decisions behind Kubernetes-mode status (no API server): which addresses a Gateway or
// Ingress reports, and when the data plane lets Programmed be True.
import { describe, expect, test } from "bun:test";
import { gatewayAddresses, ingressAddresses, type NodeAddressView } from "../../src/kube/status-writer/addresses.ts";
import { dataPlaneProgrammed, type DataPlaneView } from "../../src/kube/status-writer/programmed.ts";
import { parseReport, programmedGateways } from "../../src/kube/node-report.ts";
import type { KubeObject } from "../../src/store/types.ts";
import type { ObjectStatus } from "../../src/object-status/types.ts";

const gw = (addresses?: Array<{ value: string }>): KubeObject =>
  ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "web", namespace: "default" },
    spec: { gatewayClassName: "edgegate", listeners: [], ...(addresses ? { addresses } : {}) },
  }) as KubeObject;
const view = (nodes: string[], addresses: string[], pool: string[] = []): NodeAddressView => ({ selectedNodes: nodes, addresses, pool: new Set(pool) });
const ip = (value: string) => ({ type: "IPAddress", value });

describe("status addresses", () => {
  test("node-bound Gateway: the selected nodes' addresses, whatever this node's were", () => {
    expect(gatewayAddresses([ip("192.0.2.1")], gw(), view(["a", "b"], ["192.0.2.10", "192.0.2.11"]))).toEqual([ip("192.0.2.10"), ip("192.0.2.11")]);
    // This node is not among the selected ones: its address is not reported (the stale-address bug).
    expect(gatewayAddresses([ip("192.0.2.1")], gw(), view(["b"], ["192.0.2.11"]))).toEqual([ip("192.0.2.11")]);
  });

  test("spec.addresses and pool addresses stand as assigned", () => {
    expect(gatewayAddresses([ip("10.200.0.10")], gw([{ value: "10.200.0.10" }]), view(["a"], ["192.0.2.10"]))).toEqual([ip("10.200.0.10")]);
    expect(gatewayAddresses([ip("10.9.0.3")], gw(), view(["a"], ["192.0.2.10"], ["10.9.0.3"]))).toEqual([ip("10.9.0.3")]);
  });

  test("no node selected: no address at all", () => {
    expect(gatewayAddresses([ip("192.0.2.1")], gw(), view([], []))).toEqual([]);
    expect(gatewayAddresses([ip("10.200.0.10")], gw([{ value: "10.200.0.10" }]), view([], []))).toEqual([]);
    expect(ingressAddresses([{ ip: "192.0.2.1" }, { hostname: "lb.example" }], view([], []))).toEqual([]);
  });

  test("not host-network mode: translate's addresses as they are", () => {
    expect(gatewayAddresses([ip("192.0.2.1")], gw(), undefined)).toEqual([ip("192.0.2.1")]);
    expect(ingressAddresses([{ ip: "192.0.2.1" }, { hostname: "lb.example" }], view(["a"], ["192.0.2.10"]))).toEqual([
      { ip: "192.0.2.10" },
      { hostname: "lb.example" },
    ]);
  });
});

describe("Programmed by the data plane", () => {
  const dp = (nodes: string[], reports: Record<string, { gateways: string[]; reason?: string }>): DataPlaneView => ({
    selectedNodes: nodes,
    reports: new Map(Object.entries(reports).map(([n, r]) => [n, { gateways: new Set(r.gateways), reason: r.reason }])),
    selector: "edgegate.io/gateway=true",
  });

  test("True once one selected node's Envoy has the Gateway at this generation", () => {
    const v = dp(["a", "b"], { a: { gateways: [], reason: "Envoy is not connected to xDS" }, b: { gateways: ["default/web@3"] } });
    expect(dataPlaneProgrammed("default/web", 3, { dataPlane: v }, 1)).toEqual({ ok: true });
  });

  test("an older generation does not count; each node says why", () => {
    const v = dp(["a", "b"], { a: { gateways: ["default/web@2"] } });
    const r = dataPlaneProgrammed("default/web", 3, { dataPlane: v }, 1);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe("Pending");
    expect(r.message).toContain("generation 3");
    expect(r.message).toContain("a: its Envoy has not ACKed this generation yet");
    expect(r.message).toContain("b: no report yet");
  });

  test("no selected node: NoResources, naming the selector", () => {
    const r = dataPlaneProgrammed("default/web", 1, { dataPlane: dp([], {}) }, 0);
    expect(r).toEqual({
      ok: false,
      reason: "NoResources",
      message: "no node matches the node selector (edgegate.io/gateway=true): no node serves this Gateway",
    });
  });

  test("reports: what a compile programmed, and a Lease read back", () => {
    const statuses: ObjectStatus[] = [
      {
        kind: "Gateway",
        namespace: "default",
        name: "web",
        status: {
          addresses: [],
          listeners: [],
          conditions: [{ type: "Programmed", status: "True", reason: "Programmed", message: "", observedGeneration: 4 }],
        },
      },
      {
        kind: "Gateway",
        namespace: "default",
        name: "bad",
        status: { addresses: [], listeners: [], conditions: [{ type: "Programmed", status: "False", reason: "Invalid", message: "", observedGeneration: 1 }] },
      },
    ];
    expect(programmedGateways(statuses)).toEqual(["default/web@4"]);
    const lease = {
      metadata: {
        name: "edgegate-node-a",
        annotations: { "edgegate.io/node": "a", "edgegate.io/programmed-gateways": '["default/web@4"]', "edgegate.io/reason": "" },
      },
      spec: { holderIdentity: "a" },
    };
    const r = parseReport(lease);
    expect(r?.node).toBe("a");
    expect([...(r?.report.gateways ?? [])]).toEqual(["default/web@4"]);
    // A hand-broken annotation: serving nothing, not a crash.
    expect([
      ...(parseReport({ ...lease, metadata: { ...lease.metadata, annotations: { "edgegate.io/node": "a", "edgegate.io/programmed-gateways": "{" } } })?.report
        .gateways ?? []),
    ]).toEqual([]);
  });
});
