// The control plane against a second, independent real xDS client: Debian's python3-grpcio (gRPC
// C-core's xDS implementation), driven line by line so one live channel sees config changes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { TypeUrl } from "../../src/xds/resources.ts";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import * as f from "./fixtures.ts";
import { bootstrap, startBackend, type Backend } from "./grpc.ts";

const python = "/usr/bin/python3";
const available = spawnSync(python, ["-c", "import grpc"]).status === 0;
if (!available) console.warn("SKIPPED python3-grpcio xDS tests: /usr/bin/python3 cannot import grpc (apt-get install python3-grpcio)");

class PyClient {
  private readonly lines: string[] = [];
  private readonly waiters: Array<() => void> = [];
  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on("line", (l) => {
      this.lines.push(l);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async next(timeoutMs = 10000): Promise<Record<string, string>> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (Date.now() > deadline) throw new Error("python client said nothing");
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
    return JSON.parse(this.lines.shift()!) as Record<string, string>;
  }
  async call(method: string, headers: Record<string, string> = {}): Promise<string> {
    this.proc.stdin.write(JSON.stringify({ method, headers }) + "\n");
    const r = await this.next();
    if (r.error) throw new Error(r.error);
    return r.ok!;
  }
}

let a: Backend, b: Backend, c: Backend;
let cp: ControlPlane;
let py: PyClient;

const config = (defaultPort: number) =>
  f.resources({
    listeners: [f.apiListener("py", "py-rc")],
    routes: [
      f.routeConfig("py-rc", [
        f.route({ method: "/test.Echo/Other", to: "c-other" }),
        f.route({ prefix: "/test.Echo/", headers: { "x-canary": "yes" }, to: "c-canary" }),
        f.route({ prefix: "", to: "c-default" }),
      ]),
    ],
    clusters: [f.edsCluster("c-default"), f.edsCluster("c-other"), f.edsCluster("c-canary")],
    endpoints: [f.endpoints("c-default", [defaultPort]), f.endpoints("c-other", [b.port]), f.endpoints("c-canary", [c.port])],
  });

describe.skipIf(!available)("python3-grpcio (gRPC C-core xDS) against the ADS server", () => {
  beforeAll(async () => {
    [a, b, c] = await Promise.all([startBackend("A"), startBackend("B"), startBackend("C")]);
    cp = await startControlPlane();
    cp.cache.publish(config(a.port));
    const proc = spawn(python, [join(import.meta.dir, "py_xds_client.py"), "py"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin",
        GRPC_XDS_BOOTSTRAP_CONFIG: bootstrap(cp.port, "py-1"),
        // An idle Python channel has no thread polling its sockets: C-core then reads xDS updates
        // only from its backup poller, every 5 s by default (measured: our push left at once, the
        // ACK came 3.5 s later). A short interval keeps the test fast; it is a client setting.
        GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS: "50",
      },
    });
    proc.stderr.on("data", () => {}); // C-core logs; not asserted
    py = new PyClient(proc);
    expect((await py.next()).ready).toBeDefined();
  }, 20000);
  afterAll(async () => {
    py?.proc.stdin.end();
    py?.proc.kill();
    await cp?.close();
    await Promise.all([a, b, c].map((x) => x?.stop()));
  });

  test("LDS, RDS, CDS and EDS are each ACKed and a method match and a header match route RPCs", async () => {
    expect(await py.call("/test.Echo/Echo")).toBe("A");
    for (const u of [TypeUrl.listener, TypeUrl.route, TypeUrl.cluster, TypeUrl.endpoint]) {
      expect(cp.events.some((e) => e.type === "ack" && e.nodeId === "py-1" && e.typeUrl === u)).toBe(true);
    }
    expect(await py.call("/test.Echo/Other")).toBe("B");
    expect(await py.call("/test.Echo/Echo", { "x-canary": "yes" })).toBe("C");
    expect(await py.call("/test.Admin/Status", { "x-canary": "yes" })).toBe("A");
    expect(cp.cache.ackState("py-1")).toEqual({ current: true });
  }, 20000);

  test("an endpoint change re-routes the live channel without a new stream", async () => {
    const streams = cp.cache
      .clients()
      .filter((x) => x.nodeId === "py-1")
      .map((x) => x.stream);
    const from = cp.events.length;
    cp.cache.publish(config(b.port));
    await cp.waitEvent((e) => e.type === "ack" && e.nodeId === "py-1" && e.typeUrl === TypeUrl.endpoint, 8000, from);
    let got = "";
    for (let i = 0; i < 20 && got !== "B"; i++) got = await py.call("/test.Echo/Echo");
    expect(got).toBe("B");
    expect(
      cp.cache
        .clients()
        .filter((x) => x.nodeId === "py-1")
        .map((x) => x.stream),
    ).toEqual(streams);
    expect(
      cp.events
        .slice(from)
        .filter((e) => e.type === "push")
        .map((e) => (e as { typeUrl: string }).typeUrl),
    ).toEqual([TypeUrl.endpoint]);
  }, 20000);

  test("a NACK from C-core is recorded with its reason and the channel keeps working", async () => {
    const from = cp.events.length;
    const bad = config(b.port);
    bad.clusters[0] = f.staticCluster("c-default", a.port);
    cp.cache.publish(bad);
    const nack = await cp.waitEvent((e) => e.type === "nack" && e.nodeId === "py-1", 8000, from);
    const reason = nack.type === "nack" ? nack.message : "";
    expect(reason.length).toBeGreaterThan(0);
    expect(cp.cache.ackState("py-1").reason).toContain(reason);
    // The rejected cluster keeps its previous (EDS, endpoint B) form; if C-core had applied the
    // STATIC one, Echo would now reach A.
    expect(await py.call("/test.Echo/Echo")).toBe("B");
    expect(await py.call("/test.Echo/Other")).toBe("B");
    expect(await py.call("/test.Echo/Echo", { "x-canary": "yes" })).toBe("C");
  }, 20000);
});
