// `edgegate status` against a real admin server on loopback.
import { afterEach, describe, expect, test } from "bun:test";
import { statusCommand } from "../../src/cli/status.ts";
import { startStatusServers, type StatusServers } from "../../src/server/listen.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { healthyStatus, provide } from "./fixture.ts";

let servers: StatusServers | null = null;
afterEach(async () => {
  await servers?.stop();
  servers = null;
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out: () => out.join(""), err: () => err.join("") };
}

describe("edgegate status", () => {
  test("healthy: exit 0, aligned sections with markers", async () => {
    servers = startStatusServers({ health: "127.0.0.1:0", admin: "127.0.0.1:0", provider: provide(healthyStatus()), logger: silentLogger });
    const c = capture();
    expect(await statusCommand(["--admin", `127.0.0.1:${servers.admin.port}`], c.io)).toBe(0);
    const text = c.out();
    expect(text).toContain("health     OK      serving: /healthz answers 200");
    expect(text).toContain("envoy      OK      ready, pid 4242, 2 restarts");
    expect(text).toMatch(/OK     edge-1 +delta unix:\/run\/edgegate\/xds.sock \(this node's Envoy\)/);
    expect(text).toContain("inputs     NOT OK  3 objects, 1 problem");
  });

  test("unhealthy: exit 1 and the reasons are printed", async () => {
    const s = healthyStatus();
    s.envoy = { phase: "not-found", message: "install Envoy", restarts: 0, orphanGuard: true };
    servers = startStatusServers({ health: "127.0.0.1:0", admin: "127.0.0.1:0", provider: provide(s), logger: silentLogger });
    const c = capture();
    expect(await statusCommand([`--admin=127.0.0.1:${servers.admin.port}`], c.io)).toBe(1);
    expect(c.out()).toContain("health     NOT OK  not serving: /healthz answers 503\n                   - envoy: not found: install Envoy");
  });

  test("--json prints the document", async () => {
    servers = startStatusServers({ health: "127.0.0.1:0", admin: "127.0.0.1:0", provider: provide(healthyStatus()), logger: silentLogger });
    const c = capture();
    expect(await statusCommand(["--json", "--admin", `127.0.0.1:${servers.admin.port}`], c.io)).toBe(0);
    expect(JSON.parse(c.out()).health).toEqual({ healthy: true, reasons: [] });
  });

  test("unreachable: exit 1 with a hint; bad usage: exit 2", async () => {
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = probe.port;
    probe.stop(true);
    const c = capture();
    expect(await statusCommand(["--admin", `127.0.0.1:${port}`], c.io)).toBe(1);
    expect(c.err()).toContain("Is `edgegate run` running");
    expect(await statusCommand(["--bogus"], capture().io)).toBe(2);
    expect(await statusCommand(["--admin", "nonsense"], capture().io)).toBe(2);
  });
});
