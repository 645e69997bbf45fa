// Readiness counts only the supervised Envoy's xDS stream, identified by the Unix socket's peer
// credentials (SO_PEERCRED): a stream's peer pid is what the kernel recorded at connect(), and
// another local process that sends the node's id and ACKs does not make /healthz 200.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { TypeUrl } from "../../src/xds/resources.ts";
import { startXdsServer, type XdsServer } from "../../src/xds/server/server.ts";
import { evaluateHealth } from "../../src/server/health.ts";
import { openSotw } from "../doubles/xds-client.ts";
import * as f from "../xds/fixtures.ts";
import { healthyStatus } from "../server/fixture.ts";

const servers: XdsServer[] = [];
const procs: Array<ReturnType<typeof Bun.spawn>> = [];
afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
  await Promise.all(servers.map((s) => s.close({ graceMs: 0 })));
});

async function server(): Promise<{ cache: SnapshotCache; sock: string; srv: XdsServer }> {
  const cache = new SnapshotCache();
  cache.publish(f.resources({ clusters: [f.edsCluster("c")] }));
  const sock = join(mkdtempSync(join(tmpdir(), "eg-peer-")), "xds.sock");
  const srv = await startXdsServer({ cache, unixSocket: sock, tcp: { port: 0 } });
  servers.push(srv);
  return { cache, sock, srv };
}

describe("xDS peer credentials", () => {
  test("a Unix-socket stream carries the connecting process's pid; a TCP stream none", async () => {
    const { cache, sock, srv } = await server();
    const u = openSotw({ unix: sock });
    u.request({ node: { id: "unix-client" }, typeUrl: TypeUrl.cluster });
    await u.at(0);
    const t = openSotw({ tcp: `127.0.0.1:${srv.tcp!.port}` });
    t.request({ node: { id: "tcp-client" }, typeUrl: TypeUrl.cluster });
    await t.at(0);
    const byNode = new Map(cache.clients().map((c) => [c.nodeId, c]));
    expect(byNode.get("unix-client")!.peerPid).toBe(process.pid);
    expect(byNode.get("tcp-client")!.peerPid).toBeUndefined();
    u.close();
    t.close();
  });

  test("another local process with the node's id that ACKs does not make the node healthy", async () => {
    const { cache, sock } = await server();
    const impostor = Bun.spawn([process.execPath, join(import.meta.dir, "xds-peer-client.ts"), sock, "edge-1"], { stdout: "pipe", stderr: "inherit" });
    procs.push(impostor);
    const reader = (impostor.stdout as ReadableStream<Uint8Array>).getReader();
    let out = "";
    while (!out.includes("ACKED")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`impostor exited: ${out}`);
      out += new TextDecoder().decode(value);
    }
    for (let i = 0; i < 50 && !cache.clients().some((c) => c.current); i++) await Bun.sleep(10);
    const stream = cache.clients().find((c) => c.nodeId === "edge-1")!;
    expect(stream.peerPid).toBe(impostor.pid);
    expect(stream.current).toBe(true);

    // The supervised Envoy is some other process (pid 4242 in the fixture): the impostor's ACK does not count.
    const s = healthyStatus();
    s.xds.clients = cache.clients().map((c) => ({ ...c }));
    s.xds.snapshot.seq = cache.stats().snapshot.seq;
    expect(evaluateHealth(s)).toEqual({
      ok: false,
      reasons: ['xds: the supervised Envoy (pid 4242) is not connected; 1 other stream(s) with node id "edge-1" do not count'],
    });
    // The same stream from the supervised pid is enough.
    s.envoy.pid = impostor.pid;
    expect(evaluateHealth(s)).toEqual({ ok: true, reasons: [] });
  });
});
