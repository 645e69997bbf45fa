// sk_lookup mode (per network namespace, also sees host-local connections) and the disabled path
// without privileges. Namespaces are created here and deleted afterwards.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { cleanupPins } from "../../src/datapath/pins.ts";
import type { DatapathStatus } from "../../src/datapath/datapath.ts";
import { BIN, BUN, Lines, cannotRun, createPair, type Pair } from "./netns.ts";

const why = cannotRun();
if (why) console.warn(`\n*** SKIPPED tests/datapath/sklookup.test.ts: ${why} ***\n`);
const bpffs = `/sys/fs/bpf/edgegate-sktest-${process.pid}`;

/** fd number of the socket process `pid` listens with on IPv4 address:port (from /proc). */
function listenerFd(pid: number, port: number, address = "127.0.0.1"): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  // /proc prints the address as one little-endian word: 127.0.0.1 is 0100007F
  const hexAddr = address
    .split(".")
    .reverse()
    .map((b) => Number(b).toString(16).toUpperCase().padStart(2, "0"))
    .join("");
  const line = readFileSync(`/proc/${pid}/net/tcp`, "utf8")
    .split("\n")
    .find((l) => l.includes(`${hexAddr}:${hexPort}`) && l.split(/\s+/)[4] === "0A");
  const inode = line?.trim().split(/\s+/)[9];
  if (!inode) throw new Error(`no listener on ${address}:${port} in /proc/${pid}/net/tcp`);
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return Number(fd);
    } catch {
      // fd closed meanwhile
    }
  }
  throw new Error(`socket inode ${inode} not found among /proc/${pid}/fd`);
}

describe.skipIf(why !== undefined)("sk_lookup mode", () => {
  let pair: Pair;
  let listener: Lines;
  let agent: Lines;
  const ask = async (cmd: object): Promise<{ error?: string; status?: DatapathStatus }> => {
    agent.send(JSON.stringify(cmd));
    const r = JSON.parse(await agent.next()) as { error?: string; status?: DatapathStatus };
    if (r.error) throw new Error(r.error);
    return r;
  };
  const connect = (ns: string, attempts: object[]): Array<{ ok: boolean; error?: string; server?: Record<string, unknown> }> =>
    JSON.parse(pair.run(ns, [BUN, join(BIN, "client.ts"), JSON.stringify(attempts)]).stdout);

  beforeAll(async () => {
    pair = createPair("sk");
    listener = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "listener.ts"), "127.0.0.1:15001", "10.200.0.10:15002", "10.200.0.1:15002"]));
    expect(await listener.next()).toBe("ready");
    agent = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "agent.ts"), JSON.stringify({ mode: "sklookup", bpffs })]));
    const open = JSON.parse(await agent.next()) as { status: DatapathStatus };
    expect(open.status.enabled).toBe(true);
    await ask({
      op: "apply",
      intent: {
        steering: [
          { address: "10.200.0.10", port: 80, envoyPort: 15001, gateway: "web/public", listener: "http" },
          // an address pool: two Gateways share port 8080, and Envoy has one socket per address
          { address: "10.200.0.10", port: 8080, envoyPort: 15002, envoyAddress: "10.200.0.10", gateway: "web/pool-a", listener: "http" },
          { address: "10.200.0.1", port: 8080, envoyPort: 15002, envoyAddress: "10.200.0.1", gateway: "web/pool-b", listener: "http" },
          // a port range onto one listener (which sees the original destination port)
          { address: "10.200.0.10", port: 9000, portEnd: 9010, envoyPort: 15001, gateway: "web/public", listener: "range" },
        ],
        policies: [{ port: 80, rules: [{ cidr: "10.200.0.3/32", action: "deny" }], defaultAction: "allow", policy: "web/no-3" }],
        egress: [],
      },
    });
    // the slot of a target without envoyAddress is its own address; here loopback's socket fills it
    const pid = listener.child.pid!;
    await ask({ op: "listener", family: 4, address: "10.200.0.10", port: 15001, pid, fd: listenerFd(pid, 15001) });
    for (const a of ["10.200.0.10", "10.200.0.1"]) await ask({ op: "listener", family: 4, address: a, port: 15002, pid, fd: listenerFd(pid, 15002, a) });
  });

  afterAll(() => {
    agent?.child.kill("SIGKILL");
    listener?.child.kill("SIGKILL");
    cleanupPins(bpffs);
    pair?.destroy();
  });

  test("remote and host-local connections land on the registered listener; policy applies", async () => {
    const [remote, denied] = connect(pair.client, [
      { host: "10.200.0.10", port: 80, src: "10.200.0.2" },
      { host: "10.200.0.10", port: 80, src: "10.200.0.3", timeoutMs: 400 },
    ]);
    expect(remote).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", remote: "10.200.0.2", local: "10.200.0.10", localPort: 80 } });
    // sk_lookup's SK_DROP makes the socket lookup fail: the kernel answers with a reset (tc mode drops the SYN)
    expect(denied).toMatchObject({ ok: false, error: "ECONNREFUSED" });
    // from the gateway's own namespace: tc ingress never sees this, sk_lookup does
    const [local] = connect(pair.gw, [{ host: "10.200.0.10", port: 80 }]);
    expect(local).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", local: "10.200.0.10", localPort: 80 } });
    const s = (await ask({ op: "status" })).status;
    expect(s?.attachments.map((a) => a.kind)).toEqual(["sk_lookup"]);
    expect(s?.counters.find((c) => c.label.startsWith("steer web/public/http"))?.conns).toBe(2);
    expect(s?.counters.find((c) => c.label === "web/no-3 *:80 deny 10.200.0.3/32")?.conns).toBe(1);
  });

  test("listener slots are keyed by address: Gateways sharing a port reach their own Envoy socket", () => {
    const [a, b] = connect(pair.client, [
      { host: "10.200.0.10", port: 8080, src: "10.200.0.2" },
      { host: "10.200.0.1", port: 8080, src: "10.200.0.2" },
    ]);
    expect(a).toMatchObject({ ok: true, server: { listener: "10.200.0.10:15002", local: "10.200.0.10", localPort: 8080 } });
    expect(b).toMatchObject({ ok: true, server: { listener: "10.200.0.1:15002", local: "10.200.0.1", localPort: 8080 } });
  });

  test("a port range: ports inside land on the listener with their own port, ports outside are untouched", async () => {
    const [first, mid, last, below, above] = connect(pair.client, [
      { host: "10.200.0.10", port: 9000, src: "10.200.0.2" },
      { host: "10.200.0.10", port: 9005, src: "10.200.0.2" },
      { host: "10.200.0.10", port: 9010, src: "10.200.0.2" },
      { host: "10.200.0.10", port: 8999, src: "10.200.0.2", timeoutMs: 400 },
      { host: "10.200.0.10", port: 9011, src: "10.200.0.2", timeoutMs: 400 },
    ]);
    for (const [r, port] of [
      [first, 9000],
      [mid, 9005],
      [last, 9010],
    ] as const)
      expect(r).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", remote: "10.200.0.2", local: "10.200.0.10", localPort: port } });
    expect(below).toMatchObject({ ok: false, error: "ECONNREFUSED" });
    expect(above).toMatchObject({ ok: false, error: "ECONNREFUSED" });
    const s = (await ask({ op: "status" })).status;
    expect(s?.counters.find((c) => c.label === "steer web/public/range 10.200.0.10:9000-9010 -> 127.0.0.1:15001")?.conns).toBe(3);
  });
});

describe.skipIf(why !== undefined)("without privileges", () => {
  test("the datapath stays off and says exactly what is missing", () => {
    const r = spawnSync(
      "setpriv",
      [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        BUN,
        join(BIN, "agent.ts"),
        JSON.stringify({ mode: "tc", interfaces: ["lo"], bpffs: `${bpffs}-nopriv` }),
      ],
      { encoding: "utf8", input: '{"op":"close"}\n', timeout: 20_000 },
    );
    const open = JSON.parse(r.stdout.split("\n")[0] ?? "{}") as { status: DatapathStatus };
    expect(open.status.enabled).toBe(false);
    expect(open.status.reason).toStartWith("missing capabilities CAP_BPF, CAP_NET_ADMIN");
  });
});
