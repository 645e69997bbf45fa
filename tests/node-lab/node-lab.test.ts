// The node as users run it: dist/edgegate with its real eBPF datapath in a gateway-node network
// namespace, clients in another, and standin-envoy.py as Envoy (a TEST DOUBLE for sockets and
// process lifecycle, driven by edgegate's xDS: it binds what the Listener resources say and says
// which socket and worker accepted each connection; it is never evidence of routing).
// Scenarios: a Gateway's own addresses (IPv4, IPv6) not configured on the node, an address-pool
// address, a node address, policy allow/deny, TIME_WAIT reuse, worker spread, in tc mode and then
// sklookup on the same bpffs (a mode switch); NodePort on the node's address in both modes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cannotRun, Lab, type StandinState } from "./lab.ts";
import { edgegateClass, gateway } from "../helpers/manifests.ts";

const why = cannotRun();
if (why) console.warn(`\n*** SKIPPED tests/node-lab/node-lab.test.ts: ${why} ***\n`);

const http = "[{name: http, protocol: HTTP, port: 80}]";
const INPUTS = [
  edgegateClass,
  gateway({
    name: "own",
    namespace: "web",
    listeners: http,
    extra: '  addresses: [{type: IPAddress, value: 10.210.9.7}, {type: IPAddress, value: "fd00:219::7"}]\n',
  }),
  gateway({ name: "pooled", namespace: "web", listeners: http }),
  gateway({
    name: "nodeaddr",
    namespace: "web",
    listeners: "[{name: alt, protocol: HTTP, port: 8080}]",
    extra: "  addresses: [{type: IPAddress, value: 10.210.0.1}]\n",
  }),
  `apiVersion: edgegate.io/v1alpha1
kind: GatewayNetworkPolicy
metadata: {name: only-dot-2, namespace: web}
spec:
  targetRefs:
  - {group: gateway.networking.k8s.io, kind: Gateway, name: pooled, sectionName: http}
  ingress:
    allow: [10.210.0.2/32]
`,
].join("---\n");
const POOL = '  mode: hostNetwork\n  bindAddress: 0.0.0.0\n  addressPool: [10.210.9.5, 10.210.9.7, "fd00:219::7"]';
const WORKERS = 2;

const bound =
  (sockets: string[]) =>
  (s: StandinState): boolean =>
    sockets.every((x) => s.sockets.includes(x));

describe.skipIf(why !== undefined)("node lab: every address kind, both modes", () => {
  let lab: Lab;
  beforeAll(() => {
    lab = new Lab("a");
    lab.writeInputs(INPUTS);
  });
  afterAll(async () => {
    await lab?.stop();
    lab?.destroy();
  }, 30_000);

  for (const mode of ["tc", "sklookup"] as const) {
    describe(mode, () => {
      beforeAll(async () => {
        await lab.stop();
        await lab.start({ mode, concurrency: WORKERS, nodeAddresses: ["10.210.0.1", "fd00:210::1"], exposure: POOL });
        // the stand-in binds exactly what the Listener resources describe, per worker
        await lab.standin(
          bound([
            "web/own/80 10.210.9.7:80 transparent w0",
            "web/own/80 fd00:219::7:80 transparent w1",
            "web/pooled/80 10.210.9.5:80 transparent w0",
            "web/nodeaddr/8080 10.210.0.1:8080 transparent w1",
          ]),
        );
      }, 40_000);

      test("only this mode's program is attached (a switch removes the other mode's links)", () => {
        // tc: a tcx link, or a legacy tc filter on kernels before 6.6
        const kinds = lab.datapath().attachments.map((a) => (a.kind === "tc" ? "tcx" : a.kind));
        expect(kinds).toEqual(mode === "tc" ? ["tcx"] : ["sk_lookup"]);
      });

      test("Gateway addresses the node lacks get local routes; node addresses do not", () => {
        expect(lab.localRoutes()).toEqual(["10.210.9.5", "10.210.9.7", "fd00:219::7"]);
        expect(lab.datapath().localRoutes).toEqual(["10.210.9.5", "10.210.9.7", "fd00:219::7"]);
      });

      test("spec.addresses (IPv4, IPv6), a pool address and a node address land on the socket bound there, with the client's address", async () => {
        for (const [host, port, socket] of [
          ["10.210.9.7", 80, "10.210.9.7:80"],
          ["fd00:219::7", 80, "fd00:219::7:80"],
          ["10.210.9.5", 80, "10.210.9.5:80"],
          ["10.210.0.1", 8080, "10.210.0.1:8080"],
        ] as const) {
          const r = lab.connect(host, port);
          expect(r).toMatchObject({ ok: true, server: { socket, local: [host, port] } });
          expect(r.server!.peer[0]).toBe(host.includes(":") ? "fd00:210::2" : "10.210.0.2");
        }
      });

      test(`policy: the allowed client connects; a denied one ${mode === "tc" ? "times out (tc drops)" : "is refused (sk_lookup)"}`, () => {
        expect(lab.connect("10.210.9.5", 80, "10.210.0.2").ok).toBe(true);
        const denied = lab.clientPy<Array<{ ok: boolean; error?: string }>>([
          "once",
          JSON.stringify([{ host: "10.210.9.5", port: 80, src: "10.210.0.3", timeoutMs: 1500 }]),
        ])[0]!;
        expect(denied).toMatchObject({ ok: false, error: mode === "tc" ? "TIMEOUT" : "ECONNREFUSED" });
      });

      test("TIME_WAIT reuse: source ports reused after the node closed first connect at once; counters count connections", () => {
        const label = "steer web/own/http 10.210.9.7:80 -> 10.210.9.7:80";
        const before = lab.conns(label);
        const r = lab.clientPy<{ n: number; errors: Record<string, number>; slow: number; p99: number; max: number; seconds: number }>([
          "reuse",
          "10.210.9.7",
          "80",
          "300",
          "10",
          "10.210.0.2",
        ]);
        console.log(
          `node lab ${mode}: TIME_WAIT reuse, 300 connections over 10 source ports: p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, ${r.seconds.toFixed(2)} s`,
        );
        expect(r.errors).toEqual({});
        expect(r.slow).toBe(0);
        expect(lab.conns(label)).toBe(before + 300);
      }, 60_000);

      test(`all ${WORKERS} workers get connections (max/min share <= 1.3)`, () => {
        const r = lab.clientPy<{ per: Record<string, number>; errors: Record<string, number> }>(["many", "10.210.9.7", "80", "2000", "10.210.0.2"]);
        const counts = Object.values(r.per);
        console.log(`node lab ${mode}: worker spread ${JSON.stringify(r.per)}`);
        expect(r.errors).toEqual({});
        expect(counts.length).toBe(WORKERS);
        expect(Math.max(...counts) / Math.min(...counts)).toBeLessThanOrEqual(1.3);
      }, 60_000);
    });
  }

  test("a Gateway removed: its sockets close and its local routes go; the others stay", async () => {
    lab.writeInputs(INPUTS.replace(/apiVersion: gateway.networking.k8s.io\/v1\nkind: Gateway\nmetadata: \{name: own,[\s\S]*?---\n/, ""));
    const s = await lab.standin((x) => !x.sockets.some((k) => k.startsWith("web/own/")) && x.sockets.some((k) => k.startsWith("web/pooled/")));
    // the pool may hand "pooled" another address now that "own" released its one
    const pooled = s.listeners["web/pooled/80"]!.addresses[0]![0];
    const until = Date.now() + 10_000;
    while (lab.localRoutes().join() !== pooled && Date.now() < until) await Bun.sleep(100);
    expect(lab.localRoutes()).toEqual([pooled]);
    expect(lab.connect(pooled, 80)).toMatchObject({ ok: true, server: { socket: `${pooled}:80` } });
  }, 30_000);
});

describe.skipIf(why !== undefined)("node lab: NodePort on the node's address", () => {
  let lab: Lab;
  beforeAll(() => {
    lab = new Lab("np");
    lab.writeInputs([edgegateClass, gateway({ name: "np", namespace: "web", listeners: http })].join("---\n"));
  });
  afterAll(async () => {
    await lab?.stop();
    lab?.destroy();
  }, 30_000);

  for (const mode of ["tc", "sklookup"] as const) {
    test(`${mode}: the node port reaches Envoy's wildcard socket on that node port`, async () => {
      await lab.stop();
      await lab.start({
        mode,
        concurrency: 1,
        nodeAddresses: ["10.210.0.1"],
        exposure: '  mode: nodePort\n  bindAddress: 0.0.0.0\n  nodePorts: {"80": 30080}',
      });
      await lab.standin(bound(["web/np/80 0.0.0.0:30080 transparent w0"]));
      const r = lab.connect("10.210.0.1", 30080);
      expect(r).toMatchObject({ ok: true, server: { socket: "0.0.0.0:30080", peer: ["10.210.0.2", expect.any(Number)], local: ["10.210.0.1", 30080] } });
      expect(lab.localRoutes()).toEqual([]);
      // TIME_WAIT reuse on the node port: Envoy listens there, so the kernel's TIME_WAIT path finds it
      const reuse = lab.clientPy<{ errors: Record<string, number>; slow: number; p99: number; seconds: number }>([
        "reuse",
        "10.210.0.1",
        "30080",
        "200",
        "10",
        "10.210.0.2",
      ]);
      console.log(
        `node lab ${mode} NodePort: TIME_WAIT reuse, 200 connections over 10 source ports: p99 ${reuse.p99.toFixed(1)} ms, ${reuse.seconds.toFixed(2)} s`,
      );
      expect(reuse.errors).toEqual({});
      expect(reuse.slow).toBe(0);
      expect(reuse.seconds).toBeLessThan(1); // 200 connections; a 10 ms retransmission each would be 2 s
    }, 40_000);
  }
});

// A crash of the control plane must not cost a connection (issue 16 item 1): Envoy outlives
// edgegate, whose next start adopts it (src/envoy/supervisor.ts); the datapath's pins survive too.
describe.skipIf(why !== undefined)("node lab: edgegate SIGKILL and restart", () => {
  let lab: Lab;
  beforeAll(() => {
    lab = new Lab("k");
    lab.writeInputs(
      [edgegateClass, gateway({ name: "own", namespace: "web", listeners: http, extra: "  addresses: [{type: IPAddress, value: 10.210.9.7}]\n" })].join(
        "---\n",
      ),
    );
  });
  afterAll(async () => {
    await lab?.stop();
    lab?.destroy();
  }, 30_000);

  for (const mode of ["tc", "sklookup"] as const) {
    test(`${mode}: a new connection every 10 ms across an edgegate SIGKILL and restart: none fails`, async () => {
      await lab.stop();
      await lab.start({ mode, concurrency: 1, nodeAddresses: ["10.210.0.1"], exposure: "  mode: hostNetwork\n  addressPool: [10.210.9.7]" });
      await lab.standin(bound(["web/own/80 10.210.9.7:80 transparent w0"]));
      expect(lab.connect("10.210.9.7", 80).ok).toBe(true);
      const ticker = lab.clientPyAsync<{
        attempts: number;
        failed: number;
        errors: Record<string, number>;
        firstFailMs: number | null;
        lastFailMs: number | null;
        envoyPids: number[];
      }>(["ticker", "10.210.9.7", "80", "4", "10"]);
      await Bun.sleep(1000);
      await lab.crash();
      lab.restart();
      const r = await ticker;
      console.log(
        `node lab ${mode}: edgegate SIGKILL at 1 s and restart: ${r.failed}/${r.attempts} connections failed ${JSON.stringify(r.errors)} between ${r.firstFailMs} and ${r.lastFailMs} ms; Envoy pids seen ${r.envoyPids.join(", ")}`,
      );
      expect(r.failed).toBe(0);
    }, 40_000);
  }
});

// GAMMA: a process on the node connecting to a mesh Service's ClusterIP:port reaches the mesh
// listener's socket (bound by the stand-in from edgegate's Listener, on loopback), and still sees
// the Service as its peer; another Service, and the Service's other port, are untouched; removing
// the route removes the steering. The programs are cgroup hooks, so a node-namespace process is a
// node-local client here.
describe.skipIf(why !== undefined)("node lab: mesh Service steered for node-local clients", () => {
  let lab: Lab;
  const meshInputs = (withRoute: boolean): string =>
    [
      `apiVersion: v1
kind: Service
metadata: {name: echo, namespace: mesh, annotations: {edgegate.io/endpoints: "10.211.0.2:8080"}}
spec: {clusterIP: 10.96.77.10, ports: [{name: http, port: 80, targetPort: 8080}, {name: alt, port: 81}]}
`,
      `apiVersion: v1
kind: Service
metadata: {name: plain, namespace: mesh, annotations: {edgegate.io/endpoints: "10.211.0.2:8080"}}
spec: {clusterIP: 10.96.77.11, ports: [{name: http, port: 80}]}
`,
      ...(withRoute
        ? [
            `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: canary, namespace: mesh}
spec:
  parentRefs: [{group: "", kind: Service, name: echo, port: 80}]
  rules: [{backendRefs: [{name: echo, port: 80}]}]
`,
          ]
        : []),
    ].join("---\n");
  beforeAll(() => {
    lab = new Lab("m");
    lab.writeInputs(meshInputs(true));
  });
  afterAll(async () => {
    await lab?.stop();
    lab?.destroy();
  }, 30_000);

  const fromNode = (
    host: string,
    port: number,
  ): { ok: boolean; error?: string; server?: { listener: string; socket: string; peer: [string, number]; local: [string, number] } } => {
    const r = lab.run(lab.node, ["/usr/bin/python3", `${import.meta.dir}/client.py`, "once", JSON.stringify([{ host, port, timeoutMs: 1000 }])]);
    if (r.status !== 0) throw new Error(`client.py: ${r.stderr}`);
    return (JSON.parse(r.stdout) as Array<ReturnType<typeof fromNode>>)[0]!;
  };

  test("a connect() to the ClusterIP lands on the mesh listener; other Services and ports are untouched; no route, no steering", async () => {
    await lab.start({ mode: "tc", concurrency: 1, nodeAddresses: ["10.210.0.1"], exposure: "  mode: hostNetwork" });
    const s = await lab.standin((st) => st.sockets.some((x) => x.startsWith("mesh/mesh/echo/80 127.0.0.1:")));
    const socket = s.sockets.find((x) => x.startsWith("mesh/mesh/echo/80 "))!.split(" ")[1]!;
    const r = fromNode("10.96.77.10", 80);
    expect(r).toMatchObject({ ok: true, server: { listener: "mesh/mesh/echo/80", socket } });
    // the other port of the Service and a Service without mesh routes: no rewrite, nothing listens
    expect(fromNode("10.96.77.10", 81).ok).toBe(false);
    expect(fromNode("10.96.77.11", 80).ok).toBe(false);
    // the route removed: the ClusterIP is no longer steered
    lab.writeInputs(meshInputs(false));
    const until = Date.now() + 10_000;
    while (fromNode("10.96.77.10", 80).ok && Date.now() < until) await Bun.sleep(200);
    expect(fromNode("10.96.77.10", 80).ok).toBe(false);
  }, 60_000);
});
