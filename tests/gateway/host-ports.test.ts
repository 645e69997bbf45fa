// Ports the node will not let Envoy bind: privileged ports without CAP_NET_BIND_SERVICE, and ports
// another process already holds. The listener is not handed to Envoy and says why.
import { describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { translate, type TranslateOptions } from "../../src/translate/index.ts";
import type { StoredObject } from "../../src/store/types.ts";
import { admitted } from "../helpers/stored.ts";
import { listeningSockets, unprivilegedPortStart } from "../../src/net/listening.ts";
import type { HostPorts } from "../../src/gateway/host-ports.ts";

function objects(spec: Record<string, unknown>): StoredObject[] {
  return admitted([
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: "edgegate" },
      spec: { controllerName: "edgegate.io/gateway-controller" },
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "gw", namespace: "default", generation: 3 },
      spec: { gatewayClassName: "edgegate", ...spec },
    },
  ]);
}
const listeners = [
  { name: "http", protocol: "HTTP", port: 80 },
  { name: "alt", protocol: "HTTP", port: 8080 },
];
const opts = (hostPorts: HostPorts, extra: Partial<TranslateOptions> = {}): TranslateOptions => ({
  controllerName: "edgegate.io/gateway-controller",
  ingressController: "x",
  bindAddress: "0.0.0.0",
  nodeAddresses: [],
  addressPool: [],
  hostPorts,
  ...extra,
});

function listenerConditions(t: ReturnType<typeof translate>): Record<string, string> {
  const gw = t.status.find((s) => s.kind === "Gateway")!.status as {
    listeners: Array<{ name: string; conditions: Array<{ type: string; status: string; reason: string; message: string }> }>;
  };
  return Object.fromEntries(
    gw.listeners.map((l) => {
      const p = l.conditions.find((c) => c.type === "Programmed")!;
      return [l.name, `${p.status} ${p.reason}: ${p.message}`];
    }),
  );
}

describe("host ports", () => {
  test("a privileged port Envoy cannot bind: Programmed=False PortUnavailable, and not given to Envoy", () => {
    const t = translate(objects({ listeners }), opts({ unprivilegedPortStart: 1024, inUse: [] }));
    expect(listenerConditions(t)).toEqual({
      http: "False PortUnavailable: port 80 is below 1024 and Envoy cannot bind it: it lacks CAP_NET_BIND_SERVICE (give edgegate the ambient capability, which Envoy inherits: AmbientCapabilities=CAP_NET_BIND_SERVICE in its systemd unit, NET_BIND_SERVICE in the Envoy container's capabilities; or use a port of 1024 or more)",
      alt: "True Programmed: listener programmed",
    });
    expect(t.ir.listeners.map((l) => l.port)).toEqual([8080]);
  });
  test("a port another process listens on: the message names the process", () => {
    const t = translate(objects({ listeners }), opts({ unprivilegedPortStart: 0, inUse: [{ address: "0.0.0.0", port: 8080, process: "nginx (pid 4242)" }] }));
    expect(listenerConditions(t).alt).toBe("False PortUnavailable: 0.0.0.0:8080 is already in use on this node by nginx (pid 4242)");
    expect(t.ir.listeners.map((l) => l.port)).toEqual([80]);
  });
  test("a process on another specific address does not collide with a Gateway on its own address", () => {
    const t = translate(
      objects({ listeners }),
      opts({ unprivilegedPortStart: 0, inUse: [{ address: "127.0.0.1", port: 8080, process: "dev (pid 1)" }] }, { addressPool: ["192.0.2.50"] }),
    );
    expect(t.ir.listeners.map((l) => `${l.address}:${l.port}`)).toEqual(["192.0.2.50:80", "192.0.2.50:8080"]);
  });
  test("a process on :: collides with every address (Linux's dual-stack default)", () => {
    const t = translate(
      objects({ listeners }),
      opts({ unprivilegedPortStart: 0, inUse: [{ address: "::", port: 80, process: "httpd (pid 9)" }] }, { addressPool: ["192.0.2.50"] }),
    );
    expect(listenerConditions(t).http).toBe("False PortUnavailable: :::80 is already in use on this node by httpd (pid 9)");
  });
  test("unknown host ports (validate without a node): nothing is marked", () => {
    const t = translate(objects({ listeners }), { ...opts({ unprivilegedPortStart: 0, inUse: [] }), hostPorts: undefined });
    expect(t.ir.listeners.map((l) => l.port)).toEqual([80, 8080]);
  });
});

describe("reading the node", () => {
  test("unprivilegedPortStart: root or an ambient CAP_NET_BIND_SERVICE can bind any port; otherwise the sysctl", () => {
    expect(unprivilegedPortStart("Uid:\t0\t0\t0\t0\nCapAmb:\t0000000000000000\n", "1024\n")).toBe(0);
    expect(unprivilegedPortStart("Uid:\t998\t998\t998\t998\nCapAmb:\t0000000000000400\n", "1024\n")).toBe(0);
    expect(unprivilegedPortStart("Uid:\t998\t998\t998\t998\nCapAmb:\t0000000000000000\n", "1024\n")).toBe(1024);
    expect(unprivilegedPortStart("Uid:\t998\t998\t998\t998\nCapAmb:\t0000000000000000\n", "80\n")).toBe(80);
  });
  test("listeningSockets finds a real listener with its process, and leaves out excluded pids", async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    try {
      const mine = listeningSockets(new Set()).find((s) => s.port === port);
      expect(mine).toEqual({ address: "127.0.0.1", port, process: expect.stringContaining(`(pid ${process.pid})`) });
      expect(listeningSockets(new Set([process.pid])).find((s) => s.port === port)).toBeUndefined();
    } finally {
      srv.close();
    }
  });
});
