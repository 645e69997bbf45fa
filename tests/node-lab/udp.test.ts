// UDP through the whole appliance: dist/edgegate with its real datapath in the node namespace, a
// Gateway with a UDP listener and a UDPRoute, standin-envoy.py (the TEST DOUBLE for Envoy's
// sockets, driven by edgegate's xDS) binding the UDP socket the Listener describes, and in
// sk_lookup mode edgegate's registrar finding that socket through /proc/net/udp. A client sends
// request/response datagrams (one at a time, no retries) to the Gateway's address, which the node
// does not have: each must reach the stand-in with the client's address and the original
// destination and come back from that address; a GatewayNetworkPolicy on the UDP listener drops a
// denied client's datagrams. tc mode, then sklookup on the same bpffs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cannotRun, Lab } from "./lab.ts";
import { edgegateClass, gateway } from "../helpers/manifests.ts";

const why = cannotRun();
if (why) console.warn(`\n*** SKIPPED tests/node-lab/udp.test.ts: ${why} ***\n`);

const GW = "10.210.9.9";
const INPUTS = [
  edgegateClass,
  gateway({
    name: "dns",
    namespace: "net",
    listeners: "[{name: dns, protocol: UDP, port: 5353}]",
    extra: `  addresses: [{type: IPAddress, value: ${GW}}]\n`,
  }),
  `apiVersion: v1
kind: Service
metadata: {name: resolver, namespace: net, annotations: {edgegate.io/endpoints: "10.211.0.2:5353"}}
spec: {ports: [{name: dns, port: 5353, protocol: UDP}]}
`,
  `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: UDPRoute
metadata: {name: dns, namespace: net}
spec:
  parentRefs: [{name: dns, sectionName: dns}]
  rules: [{backendRefs: [{name: resolver, port: 5353}]}]
`,
  `apiVersion: edgegate.io/v1alpha1
kind: GatewayNetworkPolicy
metadata: {name: no-dot-3, namespace: net}
spec:
  targetRefs:
  - {group: gateway.networking.k8s.io, kind: Gateway, name: dns, sectionName: dns}
  ingress:
    deny: [10.210.0.3/32]
`,
].join("---\n");

interface UdpResult {
  sent: number;
  received: number;
  lost: number;
  wrongSource: number;
  from?: [string, number];
  server?: { listener: string; socket: string; peer: [string, number]; local: [string, number] };
}

describe.skipIf(why !== undefined)("node lab: UDP listener steered, both modes", () => {
  let lab: Lab;
  const udp = (src: string, count: number, timeoutMs = 300): UdpResult => {
    const r = lab.run(lab.client, [
      "/usr/bin/python3",
      join(import.meta.dir, "../datapath/bin/udp-client.py"),
      JSON.stringify({ host: GW, port: 5353, src, count, timeoutMs }),
    ]);
    if (r.status !== 0) throw new Error(`udp-client.py: ${r.stderr}`);
    return JSON.parse(r.stdout) as UdpResult;
  };
  beforeAll(() => {
    lab = new Lab("u");
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
        await lab.start({
          mode,
          concurrency: 1,
          nodeAddresses: ["10.210.0.1"],
          exposure: `  mode: hostNetwork\n  bindAddress: 0.0.0.0\n  addressPool: [${GW}]`,
        });
        await lab.standin((s) => s.sockets.some((x) => x.startsWith(`net/dns/5353/udp ${GW}:5353/udp`)));
      }, 40_000);

      test("datagrams reach Envoy's UDP socket with the client's address and come back from the Gateway address; none lost", async () => {
        // sk_lookup: the registrar may still be registering the socket it just saw appear
        let r = udp("10.210.0.2", 1, 1000);
        for (let i = 0; i < 20 && r.received === 0; i++) {
          await Bun.sleep(100);
          r = udp("10.210.0.2", 1, 1000);
        }
        // the steering counter counts a datagram only when the program handed it to Envoy's socket
        // (sk_lookup: the registered one; a missing registration counts as "no listener" instead)
        const steered = (): number => lab.datapath().counters.find((x) => x.label.startsWith(`steer net/dns/dns ${GW}:5353/udp -> `))?.packets ?? -1;
        const before = steered();
        r = udp("10.210.0.2", 200);
        console.log(`node lab ${mode}: UDP request/response, ${r.sent} sent, ${r.lost} lost`);
        expect(r).toMatchObject({ sent: 200, received: 200, lost: 0, wrongSource: 0, from: [GW, 5353] });
        expect(r.server).toMatchObject({ socket: `${GW}:5353/udp`, peer: ["10.210.0.2", expect.any(Number)], local: [GW, 5353] });
        expect(steered() - before).toBe(200);
        expect(lab.localRoutes()).toEqual([GW]);
      });

      test("policy: the denied client's datagrams are dropped, counted per datagram", () => {
        // counters live in the pinned maps: they carry over from the other mode's run
        const denied = (): number => lab.datapath().counters.find((x) => x.label === `net/no-dot-3 ${GW}:5353/udp deny 10.210.0.3/32`)?.packets ?? -1;
        const before = denied();
        expect(udp("10.210.0.3", 5, 200)).toMatchObject({ sent: 5, received: 0, lost: 5 });
        expect(denied() - before).toBe(5);
      });
    });
  }
});
