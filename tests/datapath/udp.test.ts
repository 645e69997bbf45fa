// UDP steering in network namespaces, sk_lookup mode and then tc mode on the same namespaces: a
// client in the client namespace sends request/response datagrams to a Gateway address and port;
// Envoy's UDP socket (udp-echo.py, a stand-in bound to loopback only, so nothing but steering can
// reach it) must see the client's own source address and the original destination, and its
// answer must come back from the Gateway address and port. Every datagram waits for its answer
// with retries off, so a lost one is counted. A GatewayNetworkPolicy-style deny on the UDP port
// drops the client's datagrams and leaves TCP on the same port alone. The sk_lookup socket slot is
// filled by the production /proc reader (readProcListing + pickListener), as the appliance does.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanupPins } from "../../src/datapath/pins.ts";
import type { DatapathStatus } from "../../src/datapath/datapath.ts";
import type { DatapathIntent } from "../../src/ir/datapath.ts";
import { listenerTargets, pickListener, readProcListing } from "../../src/datapath/envoy-sockets.ts";
import { BIN, BUN, Lines, cannotRun, createPair, type Pair } from "./netns.ts";

const why = cannotRun();
if (why) console.warn(`\n*** SKIPPED tests/datapath/udp.test.ts: ${why} ***\n`);
const PY = "/usr/bin/python3";
const GW = "10.200.0.10";
const GW6 = "fd00:200::10";

const INTENT: DatapathIntent = {
  steering: [
    { address: GW, port: 5353, protocol: "UDP", envoyPort: 5353, gateway: "web/dns", listener: "dns" },
    { address: GW6, port: 5353, protocol: "UDP", envoyPort: 5353, gateway: "web/dns", listener: "dns" },
    // TCP on the same address and port goes to another socket: the protocol is part of the key
    { address: GW, port: 5353, envoyPort: 15001, gateway: "web/dns", listener: "dns-tcp" },
    // as the product steers: to Envoy's socket bound on the Gateway address itself
    { address: GW, port: 5354, protocol: "UDP", envoyPort: 5354, envoyAddress: GW, gateway: "web/big", listener: "big" },
    { address: GW6, port: 5354, protocol: "UDP", envoyPort: 5354, envoyAddress: GW6, gateway: "web/big", listener: "big" },
  ],
  policies: [
    { port: 5353, protocol: "UDP", address: GW, rules: [{ cidr: "10.200.0.3/32", action: "deny" }], defaultAction: "allow", policy: "web/no-3" },
    { port: 5354, protocol: "UDP", address: GW, rules: [{ cidr: "10.200.0.3/32", action: "deny" }], defaultAction: "allow", policy: "web/no-3" },
    { port: 5354, protocol: "UDP", address: GW6, rules: [{ cidr: "fd00:200::3/128", action: "deny" }], defaultAction: "allow", policy: "web/no-3" },
  ],
  egress: [],
  mesh: [],
};

interface UdpResult {
  sent: number;
  received: number;
  lost: number;
  wrongSource: number;
  from?: [string, number];
  server?: { listener: string; peer: [string, number]; local: [string, number | null] };
}

describe.skipIf(why !== undefined)("UDP steering", () => {
  let pair: Pair;
  let echo: Lines;
  let tcp: Lines;
  let agent: Lines | undefined;
  const bpffs = `/sys/fs/bpf/edgegate-udptest-${process.pid}`;
  const ask = async (cmd: object): Promise<{ error?: string; status?: DatapathStatus }> => {
    agent!.send(JSON.stringify(cmd));
    const r = JSON.parse(await agent!.next()) as { error?: string; status?: DatapathStatus };
    if (r.error) throw new Error(r.error);
    return r;
  };
  const udp = (o: { host: string; src: string; count: number; timeoutMs?: number; port?: number; size?: number }): UdpResult =>
    JSON.parse(pair.run(pair.client, [PY, join(BIN, "udp-client.py"), JSON.stringify({ port: 5353, timeoutMs: 300, ...o })]).stdout) as UdpResult;
  /**
   * Datagrams of 4,000 bytes cross the veth (MTU 1500) as IP fragments: the allowed client's reach
   * Envoy's socket on the Gateway address (tc leaves them to the kernel after reassembly), and a
   * denied client cannot get around policy by fragmenting (IPv4 and IPv6's fragment header).
   */
  const fragments = (): void => {
    for (const [host, ok, denied] of [
      [GW, "10.200.0.2", "10.200.0.3"],
      [GW6, "fd00:200::2", "fd00:200::3"],
    ] as const) {
      const r = udp({ host, port: 5354, src: ok, count: 10, size: 4000 });
      expect(r).toMatchObject({ sent: 10, received: 10, lost: 0, wrongSource: 0 });
      expect(r.server).toMatchObject({ peer: [ok, expect.any(Number)], local: [host, 5354] });
      expect(udp({ host, port: 5354, src: denied, count: 3, size: 4000, timeoutMs: 200 })).toMatchObject({ sent: 3, received: 0, lost: 3 });
      // the same client's small datagrams: dropped as well (the policy, not the size)
      expect(udp({ host, port: 5354, src: denied, count: 1, timeoutMs: 200 })).toMatchObject({ received: 0 });
      expect(udp({ host, port: 5354, src: ok, count: 1 })).toMatchObject({ received: 1 });
    }
  };
  const tcpConnect = (src: string): { ok: boolean; server?: Record<string, unknown> } =>
    JSON.parse(pair.run(pair.client, [BUN, join(BIN, "client.ts"), JSON.stringify([{ host: GW, port: 5353, src, timeoutMs: 400 }])]).stdout)[0];
  const start = async (cfg: object): Promise<void> => {
    agent = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "agent.ts"), JSON.stringify({ bpffs, ...cfg })]));
    const open = JSON.parse(await agent.next()) as { status: DatapathStatus };
    expect(open.status.enabled).toBe(true);
    await ask({ op: "apply", intent: INTENT });
  };
  const stop = async (): Promise<void> => {
    await ask({ op: "cleanup" }).catch(() => undefined);
    agent?.child.kill("SIGKILL");
    agent = undefined;
  };

  beforeAll(async () => {
    pair = createPair("udp");
    echo = new Lines(pair.exec(pair.gw, [PY, join(BIN, "udp-echo.py"), "127.0.0.1:5353", "[::1]:5353", `${GW}:5354`, `[${GW6}]:5354`]));
    expect(await echo.next()).toBe("ready");
    tcp = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "listener.ts"), "127.0.0.1:15001"]));
    expect(await tcp.next()).toBe("ready");
  });

  afterAll(async () => {
    if (agent) await stop();
    echo?.child.kill("SIGKILL");
    tcp?.child.kill("SIGKILL");
    cleanupPins(bpffs);
    pair?.destroy();
  });

  test("without steering nothing answers: the stand-in is bound to loopback only", () => {
    expect(udp({ host: GW, src: "10.200.0.2", count: 2, timeoutMs: 200 })).toMatchObject({ sent: 2, received: 0, lost: 2 });
  });

  test("sk_lookup: datagrams reach Envoy's UDP socket with the client's address, answers come back, none lost; policy denies per protocol", async () => {
    await start({ mode: "sklookup" });
    // the appliance's way: slots from the steering intent, sockets from /proc
    const listing = readProcListing(echo.child.pid!);
    for (const t of listenerTargets(INTENT.steering)) {
      const pid = t.protocol === "UDP" ? echo.child.pid! : tcp.child.pid!;
      const c = pickListener(t.protocol === "UDP" ? listing : readProcListing(pid), t);
      expect(c, `${t.family}/${t.protocol ?? "TCP"}/${t.address}:${t.port}`).toBeDefined();
      await ask({ op: "listener", family: t.family, address: t.address, port: t.port, protocol: t.protocol ?? "TCP", pid, fd: c!.fd });
    }

    const r = udp({ host: GW, src: "10.200.0.2", count: 50 });
    expect(r).toMatchObject({ sent: 50, received: 50, lost: 0, wrongSource: 0, from: [GW, 5353] });
    expect(r.server).toMatchObject({ listener: "127.0.0.1:5353", peer: ["10.200.0.2", expect.any(Number)], local: [GW, 5353] });
    const r6 = udp({ host: GW6, src: "fd00:200::2", count: 20 });
    expect(r6).toMatchObject({ sent: 20, received: 20, lost: 0, wrongSource: 0, from: [GW6, 5353] });
    expect(r6.server).toMatchObject({ listener: "[::1]:5353", peer: ["fd00:200::2", expect.any(Number)], local: [GW6, 5353] });
    // TCP to the same address and port: its own steering entry and socket
    expect(tcpConnect("10.200.0.3")).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", localPort: 5353 } });

    // the UDP policy drops 10.200.0.3's datagrams (and only the UDP port's policy applies to them)
    expect(udp({ host: GW, src: "10.200.0.3", count: 3, timeoutMs: 200 })).toMatchObject({ sent: 3, received: 0, lost: 3 });
    const st = (await ask({ op: "status" })).status!;
    const steer = st.counters.find((c) => c.label === `steer web/dns/dns ${GW}:5353/udp -> 127.0.0.1:5353`);
    expect(steer).toMatchObject({ conns: 0, packets: 50 }); // datagrams are packets; UDP has no connections
    expect(st.counters.find((c) => c.label === `web/no-3 ${GW}:5353/udp deny 10.200.0.3/32`)).toMatchObject({ packets: 3 });
    expect(st.listeners).toBeUndefined(); // the agent does not note registrations; the registrar does
    fragments();
    await stop();
  }, 30_000);

  test("tc: the same traffic, steered per datagram at the interface", async () => {
    await start({ mode: "tc", interfaces: [pair.gwIf] });
    const r = udp({ host: GW, src: "10.200.0.2", count: 50 });
    expect(r).toMatchObject({ sent: 50, received: 50, lost: 0, wrongSource: 0, from: [GW, 5353] });
    expect(r.server).toMatchObject({ listener: "127.0.0.1:5353", peer: ["10.200.0.2", expect.any(Number)], local: [GW, 5353] });
    const r6 = udp({ host: GW6, src: "fd00:200::2", count: 20 });
    expect(r6).toMatchObject({ sent: 20, received: 20, lost: 0, from: [GW6, 5353] });
    expect(tcpConnect("10.200.0.3")).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", localPort: 5353 } });
    expect(udp({ host: GW, src: "10.200.0.3", count: 3, timeoutMs: 200 })).toMatchObject({ sent: 3, received: 0, lost: 3 });
    const st = (await ask({ op: "status" })).status!;
    expect(st.counters.find((c) => c.label === `steer web/dns/dns ${GW}:5353/udp -> 127.0.0.1:5353`)).toMatchObject({ conns: 0, packets: 50 });
    expect(st.counters.find((c) => c.label === `web/no-3 ${GW}:5353/udp deny 10.200.0.3/32`)).toMatchObject({ packets: 3 });
    fragments();
    await stop();
  }, 30_000);
});
