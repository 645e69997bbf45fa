// `edgegate status` against a real admin server on loopback, and its tables from a fixture.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { statusCommand } from "../../src/cli/status.ts";
import { startStatusServers, type StatusServers } from "../../src/server/listen.ts";
import type { ListenAddress } from "../../src/net/address.ts";
import { statusDocument } from "../../src/server/apps.ts";
import { formatStatus, table } from "../../src/server/status-text.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { healthyStatus, provide } from "./fixture.ts";

let servers: StatusServers | null = null;
const anyLoopbackPort: ListenAddress = { kind: "tcp", host: "127.0.0.1", port: 0 };
afterEach(async () => {
  await servers?.stop();
  servers = null;
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out: () => out.join(""), err: () => err.join("") };
}

const now = Date.parse("2024-01-01T00:01:00.000Z");

describe("status tables", () => {
  test("table() aligns columns like kubectl and leaves the last one unpadded", () => {
    expect(
      table(
        ["NAME", "READY"],
        [
          ["a-long-name", "True"],
          ["b", "False (Reason)"],
        ],
      ),
    ).toEqual(["NAME          READY", "a-long-name   True", "b             False (Reason)"]);
  });

  test("Gateways, listeners, routes with parents, problems by file, one health line", () => {
    const text = formatStatus(statusDocument(healthyStatus()), now);
    expect(text).toContain(
      "GATEWAYS\n  NAMESPACE   NAME   ADDRESSES   PROGRAMMED   LISTENERS   ATTACHED ROUTES\n  default     gw     192.0.2.1   True         1           2\n",
    );
    expect(text).toContain(
      "  GATEWAY      LISTENER   ROUTES   ACCEPTED   PROGRAMMED   RESOLVEDREFS\n  default/gw   http       2        True       True         -\n",
    );
    expect(text).toContain("  HTTPRoute   default     web    default/gw   True       False (BackendNotFound)\n");
    expect(text).toContain("  HTTPRoute   default     api    (none)       -          -\n");
    expect(text).toContain(
      'PROBLEMS (1)\n  routes.yaml  (1 problem)\n    line 12  HTTPRoute default/web  spec.rules[0].backendRefs[0]: service "web" not found\n',
    );
    // One count of objects, the source's, with the per-kind breakdown that adds up to it.
    expect(text).toContain("INPUTS\n  files, synced 60s ago: 3 objects (1 Gateway, 2 HTTPRoute), 1 problem\n");
    expect(text).toContain("HEALTH   OK (/healthz 200)\n");
    expect(text).toMatch(/edge-1 \(local Envoy\) +delta +unix:\/run\/edgegate\/xds.sock +l1 ACK +- +c1 ACK +- +-\n/);
  });

  test("Envoy's long message is printed once; after a crash its last output lines are shown", () => {
    const s = healthyStatus();
    const hint = 'envoy binary "envoy" not found on PATH; the rest of edgegate keeps running. Install Envoy from its official releases.';
    s.envoy = { phase: "not-found", message: hint, restarts: 0 };
    let text = formatStatus(statusDocument(s), now);
    expect(text.split(hint).length - 1).toBe(1);
    expect(text).toContain('HEALTH   NOT OK (/healthz 503): 1 reason\n  - envoy: not found: envoy binary "envoy" not found on PATH\n');
    s.envoy = {
      phase: "backoff",
      message: "envoy exited (code 1) after 5 ms; restarting in 500 ms",
      restarts: 3,
      lastExit: {
        code: 1,
        signal: null,
        at: "2024-01-01T00:00:59.000Z",
        ranForMs: 5,
        lastLines: ["[critical][main] error initializing configuration 'x': bad bootstrap"],
      },
    };
    text = formatStatus(statusDocument(s), now);
    expect(text).toContain("  backoff   -     3          -    code 1 1s ago after 5 ms\n");
    expect(text).toContain("  last output before it exited:\n    | [critical][main] error initializing configuration 'x': bad bootstrap\n");
  });

  test("the datapath is a table, not JSON", () => {
    const s = healthyStatus();
    s.datapath = {
      mode: "tc",
      enabled: true,
      bpffs: "/sys/fs/bpf/edgegate",
      attachments: [{ kind: "tcx-ingress", target: "eth0", progId: 12, linkId: 3, pin: "/sys/fs/bpf/edgegate/link-eth0" }],
      maps: { steering: { entries: 2, max: 65536 } },
      counters: [{ label: "default/gw/http allow 10.0.0.0/8", conns: 5, packets: 9 }],
    };
    const text = formatStatus(statusDocument(s), now);
    expect(text).toContain(
      "DATAPATH\n  mode tc, enabled, bpffs /sys/fs/bpf/edgegate\n\n  PROGRAM       TARGET   PROG ID   LINK ID   PIN\n  tcx-ingress   eth0     12        3         /sys/fs/bpf/edgegate/link-eth0\n",
    );
    expect(text).toContain("  MAP        ENTRIES   MAX\n  steering   2         65536\n");
    expect(text).toContain("  POLICY RULE                        CONNECTIONS   PACKETS\n  default/gw/http allow 10.0.0.0/8   5             9\n");
    expect(text).not.toContain("{");
  });
});

describe("edgegate status", () => {
  test("healthy: exit 0; --admin or --config's admin.address", async () => {
    servers = await startStatusServers({ health: anyLoopbackPort, admin: anyLoopbackPort, provider: provide(healthyStatus()), logger: silentLogger });
    const c = capture();
    expect(await statusCommand(["--admin", `127.0.0.1:${servers.admin.port}`], c.io)).toBe(0);
    expect(c.out()).toContain("HEALTH   OK (/healthz 200)");
    const dir = mkdtempSync(join(tmpdir(), "edgegate-status-"));
    try {
      writeFileSync(join(dir, "edgegate.yaml"), `admin: {address: "127.0.0.1:${servers.admin.port}"}\n`);
      const d = capture();
      expect(await statusCommand(["--config", join(dir, "edgegate.yaml")], d.io)).toBe(0);
      expect(d.out()).toBe(c.out().replace(/up \d+[smhd]/, (m) => m));
      writeFileSync(join(dir, "bad.yaml"), "admin: {adress: x}\n");
      const e = capture();
      expect(await statusCommand(["--config", join(dir, "bad.yaml")], e.io)).toBe(2);
      expect(e.err()).toContain("bad.yaml:1: admin.adress: unknown setting");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("unhealthy: exit 1 and the reasons are printed", async () => {
    const s = healthyStatus();
    s.envoy = { phase: "not-found", message: "install Envoy", restarts: 0 };
    servers = await startStatusServers({ health: anyLoopbackPort, admin: anyLoopbackPort, provider: provide(s), logger: silentLogger });
    const c = capture();
    expect(await statusCommand([`--admin=127.0.0.1:${servers.admin.port}`], c.io)).toBe(1);
    expect(c.out()).toContain("HEALTH   NOT OK (/healthz 503): 1 reason\n  - envoy: not found: install Envoy\n");
  });

  test("--json prints the document", async () => {
    servers = await startStatusServers({ health: anyLoopbackPort, admin: anyLoopbackPort, provider: provide(healthyStatus()), logger: silentLogger });
    const c = capture();
    expect(await statusCommand(["--json", "--admin", `127.0.0.1:${servers.admin.port}`], c.io)).toBe(0);
    expect(JSON.parse(c.out()).health).toEqual({ healthy: true, reasons: [] });
  });

  test("unreachable: exit 1 with a hint; bad usage: exit 2 with the usage", async () => {
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = probe.port;
    probe.stop(true);
    const c = capture();
    expect(await statusCommand(["--admin", `127.0.0.1:${port}`], c.io)).toBe(1);
    expect(c.err()).toContain("Is `edgegate run` running");
    const bad = capture();
    expect(await statusCommand(["--bogus"], bad.io)).toBe(2);
    expect(bad.err()).toStartWith("edgegate status: unknown flag --bogus\n\nusage: edgegate status ");
    expect(await statusCommand(["--admin", "nonsense"], capture().io)).toBe(2);
  });
});
