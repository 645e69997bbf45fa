// Real sockets on loopback: two servers, the health one exposing only health routes.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStatusServers, type StatusServers } from "../../src/server/listen.ts";
import { parseAddress, type ListenAddress } from "../../src/net/address.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { healthyStatus, provide } from "./fixture.ts";

let servers: StatusServers | null = null;
const anyLoopbackPort: ListenAddress = { kind: "tcp", host: "127.0.0.1", port: 0 };
afterEach(async () => {
  await servers?.stop();
  servers = null;
});

describe("status servers on real sockets", () => {
  test("health and admin on separate loopback ports", async () => {
    const s = healthyStatus();
    servers = await startStatusServers({ health: anyLoopbackPort, admin: anyLoopbackPort, provider: provide(s), logger: silentLogger });
    expect(servers.health.port).not.toBe(servers.admin.port);
    expect((await fetch(`${servers.health.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${servers.health.url}/status`)).status).toBe(404);
    const status = (await (await fetch(`${servers.admin.url}/status`)).json()) as { health: { healthy: boolean } };
    expect(status.health.healthy).toBe(true);
    s.node.selected = false;
    // the health thread has the new verdict within a heartbeat (250 ms)
    let res = await fetch(`${servers.health.url}/healthz`);
    for (let i = 0; i < 20 && res.status === 200; i++) {
      await Bun.sleep(100);
      res = await fetch(`${servers.health.url}/healthz`);
    }
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reasons: string[] }).reasons[0]).toStartWith("node:");
  });

  test("one address serves both; Unix socket works", async () => {
    const sock = join(mkdtempSync(join(tmpdir(), "eg-srv-")), "admin.sock");
    servers = await startStatusServers({
      health: { kind: "unix", path: sock },
      admin: { kind: "unix", path: sock },
      provider: provide(healthyStatus()),
      logger: silentLogger,
    });
    expect((await fetch("http://localhost/metrics", { unix: sock })).status).toBe(200);
    expect((await fetch("http://localhost/livez", { unix: sock })).status).toBe(200);
  });

  test("a port in use is a clear error naming the setting", async () => {
    const taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    try {
      expect(
        startStatusServers({
          health: { kind: "tcp", host: "127.0.0.1", port: Number(taken.port) },
          admin: anyLoopbackPort,
          provider: provide(healthyStatus()),
          logger: silentLogger,
        }),
      ).rejects.toThrow(/health.address: cannot listen on 127.0.0.1:.* in use by another process/);
    } finally {
      taken.stop(true);
    }
  });

  test("address forms", () => {
    expect(parseAddress("0.0.0.0:10256", "x")).toEqual({ kind: "tcp", host: "0.0.0.0", port: 10256 });
    expect(parseAddress(":10256", "x")).toEqual({ kind: "tcp", host: "0.0.0.0", port: 10256 });
    expect(parseAddress("[::1]:9901", "x")).toEqual({ kind: "tcp", host: "::1", port: 9901 });
    expect(() => parseAddress("9901", "admin.address")).toThrow(/admin.address "9901"/);
  });
});
