// The eBPF datapath for real, in network namespaces this test creates and deletes: a client
// namespace and a gateway namespace over veth; in the gateway namespace a listener stands in for
// Envoy's socket and an agent process stands in for edgegate (tests/datapath/bin/agent.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cleanupPins } from "../../src/datapath/pins.ts";
import type { DatapathStatus } from "../../src/datapath/datapath.ts";
import type { DatapathIntent } from "../../src/ir/datapath.ts";
import { BIN, BUN, Lines, cannotRun, createPair, type Pair } from "./netns.ts";

const PYTHON = "/usr/bin/python3";
const why = cannotRun() ?? (Bun.which(PYTHON) ? undefined : `${PYTHON} not found (the egress test uses its plain connect())`);
if (why) console.warn(`\n*** SKIPPED tests/datapath/datapath.test.ts: ${why} ***\n`);

const bpffs = `/sys/fs/bpf/edgegate-test-${process.pid}`;
const cgroup = `/sys/fs/cgroup/unified/edgegate-test-${process.pid}`;

interface Reply {
  op: string;
  error?: string;
  status?: DatapathStatus;
  result?: { removed: string[]; problems: string[] };
}
interface ConnResult {
  ok: boolean;
  error?: string;
  ms: number;
  server?: { listener: string; remote: string; local: string; localPort: number };
}

describe.skipIf(why !== undefined)("eBPF datapath in network namespaces", () => {
  let pair: Pair;
  let listener: Lines;
  let agent: Lines | undefined;
  const cleanupAll = (): void => {
    agent?.child.kill("SIGKILL");
    listener?.child.kill("SIGKILL");
    try {
      cleanupPins(bpffs, cgroup);
    } catch {
      // best effort
    }
    pair?.destroy();
  };
  const onSignal = (): void => {
    cleanupAll();
    process.exit(130);
  };

  async function startAgent(): Promise<Reply> {
    const cfg = { mode: "tc", interfaces: [pair.gwIf], bpffs, egressCgroup: cgroup };
    agent = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "agent.ts"), JSON.stringify(cfg)]));
    return JSON.parse(await agent.next()) as Reply;
  }
  async function ask(cmd: object): Promise<Reply> {
    agent!.send(JSON.stringify(cmd));
    const r = JSON.parse(await agent!.next()) as Reply;
    if (r.error) throw new Error(`agent ${r.op}: ${r.error}`);
    return r;
  }
  /** Bun's client by default; with cgroupDir, Python's plain connect() inside that cgroup (Bun reports EPERM as ECONNREFUSED). */
  function connect(ns: string, attempts: Array<{ host: string; port: number; src?: string; timeoutMs?: number }>, cgroupDir?: string): ConnResult[] {
    const cmd = cgroupDir ? [PYTHON, join(BIN, "connect.py"), JSON.stringify(attempts)] : [BUN, join(BIN, "client.ts"), JSON.stringify(attempts)];
    const r = cgroupDir ? pair.run(ns, ["sh", "-c", `echo $$ > ${cgroupDir}/cgroup.procs && exec "$@"`, "sh", ...cmd]) : pair.run(ns, cmd);
    if (r.status !== 0) throw new Error(`client failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as ConnResult[];
  }
  const counter = (s: DatapathStatus | undefined, label: string): { conns: number; packets: number } => {
    const c = s?.counters.find((x) => x.label.includes(label));
    if (!c) throw new Error(`no counter labelled ${label}: ${JSON.stringify(s?.counters.map((x) => x.label))}`);
    return c;
  };

  const steering: DatapathIntent["steering"] = [
    { address: "10.200.0.10", port: 80, envoyPort: 15001, gateway: "web/public", listener: "http" },
    { address: "fd00:200::10", port: 80, envoyPort: 15001, gateway: "web/public", listener: "http" },
    { address: "10.200.0.10", port: 82, envoyPort: 15999, gateway: "web/public", listener: "down" },
  ];
  const base: DatapathIntent = { steering, policies: [], egress: [], mesh: [] };

  beforeAll(async () => {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    pair = createPair("dp");
    listener = new Lines(
      pair.exec(pair.gw, [
        BUN,
        join(BIN, "listener.ts"),
        "127.0.0.1:15001",
        "[::1]:15001",
        "10.200.0.1:8081",
        "10.200.0.1:9001",
        "10.200.0.1:9002",
        "[fd00:200::1]:9001",
        "[fd00:200::1]:9002",
      ]),
    );
    expect(await listener.next()).toBe("ready");
    const open = await startAgent();
    expect(open.status?.enabled).toBe(true);
    expect(open.status?.start).toBe("fresh");
    await ask({ op: "apply", intent: base });
  });

  afterAll(() => {
    cleanupAll();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  });

  test("a connection to the Gateway address lands on the listener with the client's IP and the original destination (IPv4, IPv6)", () => {
    const [v4, v6] = connect(pair.client, [
      { host: "10.200.0.10", port: 80 },
      { host: "fd00:200::10", port: 80, src: "fd00:200::2" },
    ]);
    expect(v4).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", remote: "10.200.0.2", local: "10.200.0.10", localPort: 80 } });
    expect(v6).toMatchObject({ ok: true, server: { listener: "[::1]:15001", remote: "fd00:200::2", local: "fd00:200::10", localPort: 80 } });
  });

  test("a port no Gateway exposes is untouched; a steered port without Envoy is reset at once", async () => {
    const [plain, closed, down] = connect(pair.client, [
      { host: "10.200.0.1", port: 8081 },
      { host: "10.200.0.10", port: 81 },
      { host: "10.200.0.10", port: 82 },
    ]);
    expect(plain).toMatchObject({ ok: true, server: { listener: "10.200.0.1:8081" } });
    expect(closed).toMatchObject({ ok: false, error: "ECONNREFUSED" });
    expect(down).toMatchObject({ ok: false, error: "ECONNREFUSED" });
    expect(down!.ms).toBeLessThan(500);
    const s = (await ask({ op: "status" })).status;
    expect(counter(s, "Envoy not listening").conns).toBeGreaterThanOrEqual(1);
    expect(s?.attachments.map((a) => `${a.kind} ${a.target}`)).toContain(`tcx ${pair.gwIf}`);
  });

  test("allow and deny CIDRs for IPv4 and IPv6, with per-rule counters", async () => {
    await ask({
      op: "apply",
      intent: {
        ...base,
        policies: [
          {
            port: 80,
            rules: [
              { cidr: "10.200.0.2/32", action: "allow" },
              { cidr: "fd00:200::/64", action: "allow" },
              { cidr: "fd00:200::3/128", action: "deny" },
            ],
            defaultAction: "deny",
            policy: "web/office-only",
          },
        ],
      },
    });
    const t = 400;
    const [a4, d4, a6, d6] = connect(pair.client, [
      { host: "10.200.0.10", port: 80, src: "10.200.0.2", timeoutMs: t },
      { host: "10.200.0.10", port: 80, src: "10.200.0.3", timeoutMs: t },
      { host: "fd00:200::10", port: 80, src: "fd00:200::2", timeoutMs: t },
      { host: "fd00:200::10", port: 80, src: "fd00:200::3", timeoutMs: t },
    ]);
    expect(a4).toMatchObject({ ok: true, server: { remote: "10.200.0.2" } });
    expect(d4).toMatchObject({ ok: false, error: "TIMEOUT" });
    expect(a6).toMatchObject({ ok: true, server: { remote: "fd00:200::2" } });
    expect(d6).toMatchObject({ ok: false, error: "TIMEOUT" });
    const s = (await ask({ op: "status" })).status;
    expect(counter(s, "allow 10.200.0.2/32").conns).toBe(1);
    expect(counter(s, "allow fd00:200::/64").conns).toBe(1);
    expect(counter(s, "deny fd00:200::3/128").conns).toBeGreaterThanOrEqual(1); // SYN retransmits count too
    expect(counter(s, "web/office-only *:80 default").conns).toBeGreaterThanOrEqual(1);
    expect(s?.maps["eg_cidr6"]?.entries).toBe(2);
  });

  test("a config change updates maps without dropping established connections", async () => {
    const hold = new Lines(
      pair.exec(pair.client, [BUN, join(BIN, "client.ts"), "--hold", JSON.stringify({ host: "10.200.0.10", port: 80, src: "10.200.0.2" })]),
    );
    try {
      expect(JSON.parse(await hold.next())).toMatchObject({ ok: true, server: { remote: "10.200.0.2" } });
      // now deny that very client and change steering and policies around it
      const r = await ask({
        op: "apply",
        intent: {
          steering: [...steering, { address: "10.200.0.10", port: 8443, envoyPort: 15001, gateway: "web/public", listener: "https" }],
          policies: [{ port: 80, rules: [{ cidr: "10.200.0.0/24", action: "deny" }], defaultAction: "allow", policy: "web/lockdown" }],
          egress: [],
        },
      });
      expect(r.status?.lastApply?.changes["eg_steer"]).toEqual({ added: 1, updated: 0, removed: 0 });
      hold.send("still-there");
      expect(await hold.next()).toBe("echo still-there");
      const [fresh] = connect(pair.client, [{ host: "10.200.0.10", port: 80, src: "10.200.0.2", timeoutMs: 400 }]);
      expect(fresh).toMatchObject({ ok: false, error: "TIMEOUT" });
    } finally {
      hold.child.kill();
    }
    await ask({ op: "apply", intent: base });
  });

  test("gateway -> backend: allowed backends connect, others fail fast with EPERM and are counted", async () => {
    await ask({
      op: "apply",
      intent: {
        ...base,
        egress: [
          { cidr: "10.200.0.1/32", port: 9001, reason: "backend web/app" },
          { cidr: "fd00:200::1/128", port: 9001, reason: "backend web/app6" },
        ],
      },
    });
    const rs = connect(
      pair.gw,
      [
        { host: "10.200.0.1", port: 9001 },
        { host: "10.200.0.1", port: 9002 },
        { host: "fd00:200::1", port: 9001 },
        { host: "fd00:200::1", port: 9002 },
      ],
      cgroup,
    );
    expect(rs.map((r) => r.error ?? "ok")).toEqual(["ok", "EPERM", "ok", "EPERM"]);
    expect(Math.max(rs[1]!.ms, rs[3]!.ms)).toBeLessThan(200);
    // outside the cgroup nothing is policed
    expect(connect(pair.gw, [{ host: "10.200.0.1", port: 9002 }])[0]).toMatchObject({ ok: true });
    expect(connect(pair.gw, [{ host: "fd00:200::1", port: 9002 }])[0]).toMatchObject({ ok: true });
    const s = (await ask({ op: "status" })).status;
    expect(counter(s, "egress connect() denied").conns).toBe(2);
    expect(counter(s, "backend web/app6").conns).toBe(1);
    expect(s?.attachments.map((a) => a.kind).sort()).toEqual(["cgroup_connect4", "cgroup_connect6", "tcx"]);
  });

  test("SIGKILL of edgegate keeps steering; a restart adopts the pinned state", async () => {
    const before = counter((await ask({ op: "status" })).status, "steer web/public/http 10.200.0.10:80");
    agent!.child.kill("SIGKILL");
    await new Promise((r) => agent!.child.once("exit", r));
    const [v4] = connect(pair.client, [{ host: "10.200.0.10", port: 80 }]);
    expect(v4).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", remote: "10.200.0.2" } });

    const open = await startAgent();
    expect(open.status?.start).toBe("adopted");
    // counters kept across the restart, and the earlier connection was counted while nobody ran
    expect(counter(open.status, "steer web/public/http 10.200.0.10:80").conns).toBe(before.conns + 1);
    const r = await ask({
      op: "apply",
      intent: {
        ...base,
        egress: [
          { cidr: "10.200.0.1/32", port: 9001, reason: "backend web/app" },
          { cidr: "fd00:200::1/128", port: 9001, reason: "backend web/app6" },
        ],
      },
    });
    for (const [name, c] of Object.entries(r.status?.lastApply?.changes ?? {})) expect({ name, ...c }).toEqual({ name, added: 0, updated: 0, removed: 0 });
    expect(connect(pair.client, [{ host: "fd00:200::10", port: 80 }])[0]).toMatchObject({ ok: true });
  });

  test("edgegate datapath status lists attachments and counters", () => {
    const r = pair.run(pair.gw, [BUN, join(import.meta.dir, "../../src/cli/datapath.ts"), "status", "--bpffs", bpffs]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`tcx              ${pair.gwIf}`);
    expect(r.stdout).toContain("cgroup_connect4");
    expect(r.stdout).toMatch(/steer web\/public\/http 10\.200\.0\.10:80 -> 127\.0\.0\.1:15001 +\d+ +\d+/);
  });

  test("cleanup leaves no links, pins or cgroups behind", async () => {
    agent!.child.kill("SIGKILL");
    await new Promise((r) => agent!.child.once("exit", r));
    agent = undefined;
    const r = pair.run(pair.gw, [BUN, join(import.meta.dir, "../../src/cli/datapath.ts"), "cleanup", "--bpffs", bpffs, "--cgroup", cgroup]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`removed link tcx-${pair.gwIf}`);
    expect(existsSync(bpffs)).toBe(false);
    expect(existsSync(cgroup)).toBe(false);
    expect(pair.run(pair.gw, ["tc", "filter", "show", "dev", pair.gwIf, "ingress"]).stdout).toBe("");
    // steering is gone: nothing listens on the Gateway address itself
    const [v4] = connect(pair.client, [{ host: "10.200.0.10", port: 80 }]);
    expect(v4).toMatchObject({ ok: false, error: "ECONNREFUSED" });
    const again = pair.run(pair.gw, [BUN, join(import.meta.dir, "../../src/cli/datapath.ts"), "status", "--bpffs", bpffs]);
    expect(again.stdout).toContain("nothing attached or pinned");
  });
});
