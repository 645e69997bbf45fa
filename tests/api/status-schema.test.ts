// /status against proto/edgegate/status/v1: the document a running appliance serves and the server
// tests' fixture are both an edgegate.status.v1.StatusDocument in proto3 JSON, with no field the
// proto does not define; `edgegate status` refuses an answer that is not one, naming the field.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromJson, type JsonObject } from "@bufbuild/protobuf";
import { StatusDocumentSchema } from "../../src/gen/edgegate/status/v1/status_pb.ts";
import { statusDocument } from "../../src/server/apps.ts";
import { parseStatusDocument } from "../../src/server/status-schema.ts";
import { statusCommand } from "../../src/cli/status.ts";
import { collectLogLines, type LogLines } from "../helpers/log-lines.ts";
import { healthyStatus } from "../server/fixture.ts";

const root = join(import.meta.dir, "../..");
const bin = join(root, "dist/edgegate");

// Strict: an unknown field or a value of the wrong JSON type throws.
const strict = (doc: unknown) => fromJson(StatusDocumentSchema, JSON.parse(JSON.stringify(doc)));

describe("the fixture document", () => {
  test("is a StatusDocument, field for field", () => {
    const msg = strict(statusDocument(healthyStatus()));
    expect(msg.envoy?.phase).toBe("ready");
    expect(msg.xds?.clients.map((c) => c.nodeId)).toEqual(["edge-1", "grpc-client-a"]);
    expect(msg.xds?.counters?.nacks["cds"]).toBe(1);
    expect(msg.inputs?.objects[1]?.parts[0]?.conditions[1]?.reason).toBe("BackendNotFound");
    expect(msg.datapath).toEqual({ mode: "off" });
    expect(msg.health).toMatchObject({ healthy: true, reasons: [] });
  });

  test("a field the proto does not define, or a wrong type, is refused", () => {
    const doc = JSON.parse(JSON.stringify(statusDocument(healthyStatus()))) as JsonObject & { envoy: JsonObject };
    doc.envoy.uptime = 5;
    expect(() => strict(doc)).toThrow(/uptime/);
    delete doc.envoy.uptime;
    doc.envoy.restarts = "two";
    expect(() => parseStatusDocument(doc)).toThrow(/restarts/);
  });

  test("parseStatusDocument lets unknown fields through but wants the sections", () => {
    const doc = JSON.parse(JSON.stringify(statusDocument(healthyStatus()))) as JsonObject;
    doc.addedLater = { x: 1 };
    expect(parseStatusDocument(doc).node.name).toBe("edge-1");
    delete doc.node;
    expect(() => parseStatusDocument(doc)).toThrow('has no "node"');
    expect(() => parseStatusDocument([])).toThrow();
  });
});

describe("a running appliance's /status", () => {
  let dir: string;
  let app: ReturnType<typeof Bun.spawn> | undefined;
  let log: LogLines;
  let admin: string;

  beforeAll(async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh first`);
    dir = mkdtempSync(join(tmpdir(), "edgegate-status-schema-"));
    cpSync(join(root, "config/examples/lab"), join(dir, "inputs"), { recursive: true });
    // A policy too, so its ancestors are in the document.
    cpSync(join(root, "tests/golden/testdata/network-policy/input.yaml"), join(dir, "policy/input.yaml"));
    writeFileSync(
      join(dir, "edgegate.yaml"),
      [
        "source: {paths: [inputs, policy]}",
        "node: {name: schema-test}",
        `xds: {socket: ${join(dir, "xds.sock")}}`,
        "health: {address: 127.0.0.1:0}",
        "admin: {address: 127.0.0.1:0}",
        "envoy: {path: /nonexistent/envoy, drainSeconds: 0}",
        "",
      ].join("\n"),
    );
    app = Bun.spawn([bin, "run", "--config", join(dir, "edgegate.yaml")], { stdout: "ignore", stderr: "pipe" });
    log = collectLogLines(app.stderr as ReadableStream<Uint8Array>);
    admin = String((await log.waitFor((l) => l.msg === "status server listening", 15_000)).admin);
    await log.waitFor((l) => l.msg === "configuration published");
  }, 30_000);

  afterAll(async () => {
    app?.kill("SIGKILL");
    await log?.done;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("is a StatusDocument, with no field the proto does not define", async () => {
    const text = await (await fetch(`${admin}/status`)).text();
    const msg = strict(JSON.parse(text));
    expect(msg.node?.name).toBe("schema-test");
    expect(msg.envoy?.phase).toBe("not-found");
    expect(msg.source?.state).toBe("synced");
    expect(msg.inputs?.objects.map((o) => o.kind)).toContain("GatewayNetworkPolicy");
    expect(msg.listeners.length).toBeGreaterThan(0);
  });
});

describe("edgegate status", () => {
  test("an answer that is not a status document: exit 1, naming the field", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ node: { name: 7 } }) });
    try {
      let err = "";
      const io = { out: () => {}, err: (s: string) => void (err += s) };
      expect(await statusCommand(["--admin", `127.0.0.1:${server.port}`], io)).toBe(1);
      expect(err).toContain("is not an edgegate status document (edgegate.status.v1.StatusDocument)");
      expect(err).toContain("NodeStatus.name");
    } finally {
      server.stop(true);
    }
  });
});
