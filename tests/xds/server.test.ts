// The ADS server's sockets and lifecycle: Unix socket permissions and stale-file handling, loopback
// TCP by default, graceful close ending live streams.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { TypeUrl } from "../../src/xds/resources.ts";
import { startXdsServer } from "../../src/xds/server/server.ts";
import { openSotw } from "../doubles/xds-client.ts";
import * as f from "./fixtures.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "edgegate-xds-srv-"));

describe("ADS server sockets", () => {
  test("creates the socket directory 0700 and the socket 0600; removes the socket on close", async () => {
    const dir = tmp();
    const path = join(dir, "a", "b", "xds.sock");
    const server = await startXdsServer({ cache: new SnapshotCache(), unixSocket: path });
    try {
      expect(statSync(join(dir, "a", "b")).mode & 0o777).toBe(0o700);
      expect(statSync(path).isSocket()).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(existsSync(path)).toBe(false);
  });

  test("replaces a stale socket, refuses a live one and refuses a regular file", async () => {
    const dir = tmp();
    try {
      // Stale: a socket file nobody listens on, as left behind by a killed process (bound, never
      // unlinked; the binding process has exited).
      const stale = join(dir, "stale.sock");
      spawnSync("/usr/bin/python3", ["-c", `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(stale)})`]);
      expect(statSync(stale).isSocket()).toBe(true);
      const s1 = await startXdsServer({ cache: new SnapshotCache(), unixSocket: stale });
      // Live: a second server on the same path must not steal the first one's socket.
      await expect(startXdsServer({ cache: new SnapshotCache(), unixSocket: stale })).rejects.toThrow(/another process/);
      await s1.close();
      const file = join(dir, "file");
      writeFileSync(file, "not a socket");
      await expect(startXdsServer({ cache: new SnapshotCache(), unixSocket: file })).rejects.toThrow(/not a socket/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("TCP listens on loopback by default", async () => {
    const server = await startXdsServer({ cache: new SnapshotCache(), tcp: { port: 0 } });
    try {
      expect(server.tcp?.host).toBe("127.0.0.1");
      expect(server.tcp?.port).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  test("close() ends live ADS streams cleanly and promptly", async () => {
    const cache = new SnapshotCache();
    cache.publish(f.resources({ clusters: [f.edsCluster("c")] }));
    const server = await startXdsServer({ cache, tcp: { port: 0 } });
    const s = openSotw({ tcp: `127.0.0.1:${server.tcp!.port}` });
    s.request({ node: { id: "close-1" }, typeUrl: TypeUrl.cluster });
    expect((await s.at(0)).resources.length).toBe(1);
    expect(server.openStreams()).toBe(1);
    const started = Date.now();
    await server.close({ graceMs: 3000 });
    expect(Date.now() - started).toBeLessThan(1500);
    for (let i = 0; i < 50 && !s.ended; i++) await Bun.sleep(20);
    expect(s.ended).toBe(true);
    expect(cache.stats().counters.connectedClients).toBe(0);
    s.close();
  });
});
