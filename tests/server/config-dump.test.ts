// GET /config_dump's content from a real snapshot: what was published, decoded back to render's
// JSON, filtered, keys redacted, and each client's state per type.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPaths } from "../../src/sources/files/load.ts";
import { compile } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { xdsToJson } from "../../src/xds/json.ts";
import { configDump } from "../../src/server/config-dump.ts";
import { createAdminApp } from "../../src/server/apps.ts";
import type { XdsView } from "../../src/server/status-types.ts";
import { healthyStatus } from "./fixture.ts";

const root = join(import.meta.dir, "../..");

async function published() {
  const load = await loadPaths([join(root, "config/examples/lab")]);
  const result = compile({ objects: load.objects, config: defaultConfig("edge-1") });
  const cache = new SnapshotCache();
  cache.publish(result.xds);
  return { snap: cache.snapshot(), json: xdsToJson(result.xds), xds: cache.stats() as XdsView };
}

describe("config dump", () => {
  test("the published snapshot decodes to exactly what render prints", async () => {
    const { snap, json, xds } = await published();
    const { xds: meta, ...served } = configDump(snap, xds);
    expect(served).toEqual(json);
    expect(meta.seq).toBe(1);
    expect(meta.version).toBe(snap.version);
    expect(meta.types.lds).toMatchObject({
      version: snap.types.get("type.googleapis.com/envoy.config.listener.v3.Listener")!.version,
      resources: 2,
      clients: [],
    });
  });

  test("filters by type (short or long name) and name glob", async () => {
    const { snap, xds } = await published();
    const d = configDump(snap, xds, { types: ["clusters", "eds"], names: ["default/web/*"] });
    expect(d.listeners).toEqual([]);
    expect(d.clusters.map((c) => (c as { name: string }).name)).toEqual(["default/web/80"]);
    expect(d.endpoints.map((c) => (c as { clusterName: string }).clusterName)).toEqual(["default/web/80"]);
    expect(Object.keys(d.xds.types).sort()).toEqual(["cds", "eds"]);
  });

  test("each client's state per type: ACKed, NACKed with the message, pending", async () => {
    const { snap } = await published();
    const view = healthyStatus().xds;
    const lds = view.clients[1]!.types[0]!;
    view.clients[1]!.types[0] = { ...lds, current: false, rejecting: true, lastNack: { version: "l2", message: "Listener rejected: bad address", at: 1 } };
    view.clients[0]!.types[0] = { ...view.clients[0]!.types[0]!, current: false, acked: undefined };
    const d = configDump(snap, view, { types: ["lds", "cds"] });
    expect(d.xds.types.lds!.clients).toEqual([
      { node: "edge-1", address: "unix:/run/edgegate/xds.sock", state: "ACKed", version: "l1", acked: "l1" },
      {
        node: "grpc-client-a",
        address: "127.0.0.1:50000",
        state: "NACKed",
        version: "l1",
        acked: "l1",
        nack: { version: "l2", message: "Listener rejected: bad address" },
      },
    ]);
    expect(d.xds.types.cds!.clients).toEqual([{ node: "edge-1", address: "unix:/run/edgegate/xds.sock", state: "pending", version: "c1" }]);
  });

  test("GET /config_dump: 503 before the cache exists, 400 for an unknown type", async () => {
    const { snap } = await published();
    const status = healthyStatus();
    expect((await createAdminApp({ snapshot: () => status }).request("/config_dump")).status).toBe(503);
    const app = createAdminApp({ snapshot: () => status, xdsSnapshot: () => snap });
    const ok = await app.request("/config_dump?type=rds&name=default/lab/8080");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { routes: Array<{ name: string }> }).routes.map((r) => r.name)).toEqual(["default/lab/8080"]);
    const bad = await app.request("/config_dump?type=listener");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain("unknown type listener");
  });

  test("private keys are redacted, as in Envoy's config_dump", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edgegate-dump-tls-"));
    try {
      const gen = Bun.spawnSync(
        [
          "openssl",
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          join(dir, "k.pem"),
          "-out",
          join(dir, "c.pem"),
          "-days",
          "1",
          "-subj",
          "/CN=a.example.com",
        ],
        { stderr: "pipe" },
      );
      expect(gen.exitCode).toBe(0);
      const indent = (f: string): string => readFileSync(join(dir, f), "utf8").trimEnd().replace(/^/gm, "    ");
      writeFileSync(
        join(dir, "in.yaml"),
        `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edgegate}\nspec: {controllerName: edgegate.io/gateway-controller}\n---\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {name: cert}\nstringData:\n  tls.crt: |\n${indent("c.pem")}\n  tls.key: |\n${indent("k.pem")}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: web}\nspec:\n  gatewayClassName: edgegate\n  listeners: [{name: https, protocol: HTTPS, port: 443, tls: {certificateRefs: [{name: cert}]}}]\n`,
      );
      const load = await loadPaths([join(dir, "in.yaml")]);
      const cache = new SnapshotCache();
      cache.publish(compile({ objects: load.objects, config: defaultConfig("edge-1") }).xds);
      const text = JSON.stringify(configDump(cache.snapshot(), cache.stats() as XdsView));
      expect(text).toContain("BEGIN CERTIFICATE");
      expect(text).not.toContain("PRIVATE KEY");
      expect(text).toContain("[redacted]");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
