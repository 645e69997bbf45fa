// Finding Envoy's listening sockets in /proc (pure parsing on sample text) and the registrar that
// keeps eg_listeners on the current Envoy's sockets (a fake sink and /proc reader; no kernel).
import { describe, expect, test } from "bun:test";
import type { ListenerRegistration } from "../../src/datapath/datapath.ts";
import type { Family } from "../../src/net/ip.ts";
import type { Protocol } from "../../src/datapath/layout.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { EnvoySocketRegistrar, listenerTargets, parseProcNetTcp, pickListener, socketInode, type ProcListing } from "../../src/datapath/envoy-sockets.ts";

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0
   1: 0A00C80A:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:0050 0200C80A:D431 01 00000000:00000000 00:00000000 00000000     0        0 5003 1 0000000000000000 20 4 30 10 -1
   3: 00000000:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5004 1 0000000000000000 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6001 1 0000000000000000 100 0 0 10 0
   1: 000200FD000000000000000010000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6002 1 0000000000000000 100 0 0 10 0
   2: 00000000000000000000000001000000:0051 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6003 1 0000000000000000 100 0 0 10 0
`;

// /proc/net/udp: a UDP listener is bound and unconnected (st 07); 7003 is a connected socket
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7001 2 0000000000000000 0
  124: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 7002 2 0000000000000000 0
  125: 0100007F:0035 0200C80A:D431 01 00000000:00000000 00:00000000 00000000     0        0 7003 2 0000000000000000 0
`;

describe("/proc parsing", () => {
  test("tcp: little-endian words, hex port, state and inode", () => {
    const s = parseProcNetTcp(TCP, 4, true);
    expect(s.map((x) => [x.address, x.port, x.state, x.inode])).toEqual([
      ["127.0.0.1", 80, 0x0a, 5001],
      ["10.200.0.10", 80, 0x0a, 5002],
      ["127.0.0.1", 80, 0x01, 5003],
      ["0.0.0.0", 443, 0x0a, 5004],
    ]);
    // on a big-endian machine the same text is read word by word without reversing
    expect(parseProcNetTcp(TCP, 4, false)[0]?.address).toBe("1.0.0.127");
  });

  test("tcp6: four words per address", () => {
    expect(parseProcNetTcp(TCP6, 6, true).map((x) => [x.address, x.port, x.inode])).toEqual([
      ["::", 443, 6001],
      ["fd00:200::10", 80, 6002],
      ["::1", 81, 6003],
    ]);
  });

  test("udp: same format, the protocol is recorded", () => {
    expect(parseProcNetTcp(UDP, 4, true, "UDP").map((x) => [x.protocol, x.address, x.port, x.state, x.inode])).toEqual([
      ["UDP", "0.0.0.0", 53, 0x07, 7001],
      ["UDP", "127.0.0.1", 53, 0x07, 7002],
      ["UDP", "127.0.0.1", 53, 0x01, 7003],
    ]);
  });

  test("header, blank and malformed lines are skipped", () => {
    expect(parseProcNetTcp("header\n\n  0: zz\n  1: 0100007F:0050 x 0A a b c d e notanumber\n", 4, true)).toEqual([]);
  });

  test("fd links: only sockets have inodes", () => {
    expect(socketInode("socket:[8494556]")).toBe(8494556);
    expect(socketInode("pipe:[8494556]")).toBeUndefined();
    expect(socketInode("/dev/null")).toBeUndefined();
    expect(socketInode("anon_inode:[eventpoll]")).toBeUndefined();
  });
});

describe("picking the socket for a slot", () => {
  const listing = (fds: Array<[number, number]>): ProcListing => ({
    sockets: [...parseProcNetTcp(TCP, 4, true), ...parseProcNetTcp(TCP6, 6, true)],
    fds: new Map(fds),
  });

  const slot4 = (address: string, port: number, implicit = false) => ({ family: 4 as const, address, port, implicit });

  test("only listening sockets the process owns; the lowest fd of a reuseport group", () => {
    // 5003 is an established connection on port 80; 5002 belongs to another process
    expect(
      pickListener(
        listing([
          [5003, 3],
          [5001, 9],
        ]),
        slot4("127.0.0.1", 80),
      ),
    ).toEqual({ fd: 9, inode: 5001, socket: "127.0.0.1:80" });
    expect(pickListener(listing([[5003, 3]]), slot4("127.0.0.1", 80, true))).toBeUndefined();
  });

  test("Gateways sharing a port on different addresses get their own Envoy socket", () => {
    const both = listing([
      [5001, 12],
      [5002, 7],
    ]);
    expect(pickListener(both, slot4("10.200.0.10", 80))).toMatchObject({ fd: 7, inode: 5002, socket: "10.200.0.10:80" });
    expect(pickListener(both, slot4("127.0.0.1", 80))).toMatchObject({ fd: 12, inode: 5001, socket: "127.0.0.1:80" });
    // an address Envoy does not bind: only a slot without an explicit Envoy address takes loopback
    expect(pickListener(both, slot4("10.200.0.11", 80, true))).toMatchObject({ inode: 5001 });
    expect(pickListener(both, slot4("10.200.0.11", 80))).toBeUndefined();
  });

  test("else the wildcard: IPv4 slots take 0.0.0.0, then a dual-stack [::] socket; IPv6 slots only IPv6", () => {
    expect(pickListener(listing([[6001, 5]]), slot4("10.0.0.10", 443))).toEqual({ fd: 5, inode: 6001, socket: "[::]:443" });
    expect(
      pickListener(
        listing([
          [6001, 5],
          [5004, 6],
        ]),
        slot4("10.0.0.10", 443),
      )?.inode,
    ).toBe(5004);
    expect(pickListener(listing([[6003, 5]]), slot4("127.0.0.1", 81, true))).toBeUndefined(); // [::1] is not dual-stack
    expect(
      pickListener(
        listing([
          [6002, 8],
          [5001, 4],
        ]),
        { family: 6, address: "fd00:200::10", port: 80, implicit: false },
      ),
    ).toEqual({ fd: 8, inode: 6002, socket: "[fd00:200::10]:80" });
  });

  test("UDP slots take a bound, unconnected UDP socket, never a TCP listener on the same port", () => {
    const l: ProcListing = {
      sockets: [...parseProcNetTcp(UDP, 4, true, "UDP"), ...parseProcNetTcp(TCP, 4, true)],
      fds: new Map([
        [7001, 11],
        [7002, 10],
        [7003, 3],
        [5001, 4],
      ]),
    };
    expect(pickListener(l, { family: 4, protocol: "UDP", address: "10.0.0.10", port: 53, implicit: false })).toEqual({
      fd: 11,
      inode: 7001,
      socket: "0.0.0.0:53/udp",
    });
    expect(pickListener(l, { family: 4, protocol: "UDP", address: "127.0.0.1", port: 53, implicit: false })).toMatchObject({ fd: 10, inode: 7002 });
    // only the connected socket left: not a listener
    const connected: ProcListing = { sockets: l.sockets, fds: new Map([[7003, 3]]) };
    expect(pickListener(connected, { family: 4, protocol: "UDP", address: "127.0.0.1", port: 53, implicit: true })).toBeUndefined();
    // a TCP slot on port 80 does not take UDP sockets, a UDP slot on port 80 does not take TCP ones
    expect(pickListener(l, { family: 4, protocol: "UDP", address: "127.0.0.1", port: 80, implicit: true })).toBeUndefined();
    expect(pickListener(l, slot4("127.0.0.1", 80))).toMatchObject({ inode: 5001 });
  });

  test("slots from steering: (family of Envoy's socket, Envoy's address or else the steered one, Envoy port)", () => {
    const t = listenerTargets([
      { address: "10.0.0.10", port: 80, envoyPort: 80, gateway: "web/a", listener: "http" },
      { address: "10.0.0.11", port: 80, envoyPort: 80, gateway: "web/b", listener: "http" },
      { address: "2001:db8::1", port: 80, envoyPort: 80, gateway: "web/a", listener: "http" },
      { address: "10.0.0.10", port: 443, envoyPort: 8443, envoyAddress: "::", gateway: "web/a", listener: "https" },
      { address: "10.0.0.11", port: 443, envoyPort: 8443, envoyAddress: "::", gateway: "web/b", listener: "https" },
      { address: "10.0.0.10", port: 9000, portEnd: 9010, envoyPort: 15001, gateway: "web/a", listener: "range" },
      { address: "10.0.0.10", port: 80, protocol: "UDP", envoyPort: 80, gateway: "web/a", listener: "quic" },
      { address: "bad", port: 1, envoyPort: 1, gateway: "x/y", listener: "z" },
    ]);
    expect(t).toEqual([
      { family: 4, address: "10.0.0.10", port: 80, implicit: true, for: ["web/a/http 10.0.0.10:80"] },
      { family: 4, address: "10.0.0.11", port: 80, implicit: true, for: ["web/b/http 10.0.0.11:80"] },
      { family: 6, address: "2001:db8::1", port: 80, implicit: true, for: ["web/a/http 2001:db8::1:80"] },
      { family: 6, address: "::", port: 8443, implicit: false, for: ["web/a/https 10.0.0.10:443", "web/b/https 10.0.0.11:443"] },
      { family: 4, address: "10.0.0.10", port: 15001, implicit: true, for: ["web/a/range 10.0.0.10:9000-9010"] },
      // the UDP socket of the same address and port is a slot of its own
      { family: 4, protocol: "UDP", address: "10.0.0.10", port: 80, implicit: true, for: ["web/a/quic 10.0.0.10:80/udp"] },
    ]);
  });
});

describe("registrar", () => {
  class Sink {
    calls: string[] = [];
    notes = new Map<string, ListenerRegistration>();
    failNext = false;
    registerListener(family: Family, address: string, port: number, pid: number, fd: number, protocol: Protocol): void {
      if (this.failNext) {
        this.failNext = false;
        throw new Error("pidfd_getfd: ESRCH");
      }
      this.calls.push(`reg ${family}/${address}/${port}${protocol === "UDP" ? "/udp" : ""} pid=${pid} fd=${fd}`);
    }
    unregisterListener(family: Family, address: string, port: number, protocol: Protocol): void {
      this.calls.push(`unreg ${family}/${address}/${port}${protocol === "UDP" ? "/udp" : ""}`);
    }
    noteListener(r: ListenerRegistration): void {
      this.notes.set(`${r.family}/${r.port}${r.protocol === "UDP" ? "/udp" : ""}`, r);
    }
  }
  const proc = new Map<number, ProcListing>();
  const read = (pid: number): ProcListing => {
    const l = proc.get(pid);
    if (!l) throw new Error("ENOENT");
    return l;
  };
  const listen = (pid: number, entries: Array<[number, number, number]>): void => {
    // [port, inode, fd]
    proc.set(pid, {
      sockets: entries.map(([port, inode]) => ({ family: 4, protocol: "TCP", address: "127.0.0.1", port, state: 0x0a, inode })),
      fds: new Map(entries.map(([, inode, fd]) => [inode, fd])),
    });
  };
  const slot = (port: number) => ({ family: 4 as const, address: "127.0.0.1", port, implicit: false, for: [`web/gw/l ${port}`] });

  test("registers once bound, retries meanwhile, follows a restart, forgets unsteered ports", async () => {
    const sink = new Sink();
    const r = new EnvoySocketRegistrar(sink, silentLogger, { retryMs: 10, maxRetryMs: 20, giveUpMs: 5000, read });
    r.setTargets([slot(80), slot(443)]);
    expect(sink.notes.get("4/80")).toMatchObject({ state: "waiting", error: "Envoy is not running" });
    listen(100, [[80, 1, 20]]);
    r.setEnvoy(100);
    expect(sink.calls).toEqual(["reg 4/127.0.0.1/80 pid=100 fd=20"]);
    expect(sink.notes.get("4/443")).toMatchObject({ state: "waiting", pid: 100 });
    listen(100, [
      [80, 1, 20],
      [443, 2, 21],
    ]); // Envoy binds 443 a little later
    await Bun.sleep(60);
    expect(sink.calls).toEqual(["reg 4/127.0.0.1/80 pid=100 fd=20", "reg 4/127.0.0.1/443 pid=100 fd=21"]);
    expect(sink.notes.get("4/443")).toMatchObject({ state: "registered", fd: 21, socket: "127.0.0.1:443" });
    r.trigger(); // an LDS ACK with unchanged sockets registers nothing again
    expect(sink.calls.length).toBe(2);

    sink.calls = [];
    listen(200, [
      [80, 7, 30],
      [443, 8, 31],
    ]);
    sink.failNext = true; // the first pidfd_getfd fails (e.g. Envoy still starting): retried
    r.setEnvoy(200);
    await Bun.sleep(60);
    expect(sink.calls.sort()).toEqual(["reg 4/127.0.0.1/443 pid=200 fd=31", "reg 4/127.0.0.1/80 pid=200 fd=30"]);

    sink.calls = [];
    listen(200, [
      [80, 9, 33],
      [443, 8, 31],
    ]); // Envoy replaced its port-80 socket (listener update)
    r.trigger();
    r.setTargets([slot(80)]);
    expect(sink.calls).toEqual(["reg 4/127.0.0.1/80 pid=200 fd=33", "unreg 4/127.0.0.1/443"]);
    r.stop();
  });

  test("gives up after giveUpMs and says which port", async () => {
    const sink = new Sink();
    const lines: string[] = [];
    const log = { ...silentLogger, warn: (msg: string, f?: object) => lines.push(`${msg} ${JSON.stringify(f)}`) };
    const r = new EnvoySocketRegistrar(sink, log, { retryMs: 5, maxRetryMs: 5, giveUpMs: 30, read });
    listen(300, []);
    r.setTargets([slot(8080)]);
    r.setEnvoy(300);
    await Bun.sleep(100);
    expect(sink.notes.get("4/8080")).toMatchObject({
      state: "failed",
      pid: 300,
      error: "Envoy (pid 300) has no listening socket for 127.0.0.1:8080 (that address or the wildcard)",
    });
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain('"port":8080');
    r.stop();
  });
});
