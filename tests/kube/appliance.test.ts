// `edgegate run` in Kubernetes mode, as a user starts it (from source: the compiled binary is the
// same code): objects from the API server reach /status, status is written back, and flipping the
// node's labels turns /healthz's node verdict around, live.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { ApiServer, apiServerAvailable } from "./apiserver.ts";
import * as f from "./fixtures.ts";
import { until } from "./pipeline.ts";
import { collectLogLines, type LogLines } from "../helpers/log-lines.ts";

const available = apiServerAvailable();
const main = join(import.meta.dir, "../../src/main.ts");

interface StatusJson {
  node: { labels: Record<string, string>; selected: boolean };
  source: {
    mode: string;
    state: string;
    message?: string;
    watches?: Array<{ kind: string; phase: string }>;
    lease?: { leader: boolean; holder?: string };
    status?: { writes: number };
  };
  listeners: Array<{ name: string }>;
}

describe.skipIf(!available)("edgegate run in Kubernetes mode", () => {
  const api = new ApiServer();
  const dir = mkdtempSync(join(tmpdir(), "edgegate-kube-run-"));
  let proc: Subprocess<"ignore", "ignore", "pipe">;
  let log: LogLines | undefined;

  beforeAll(async () => {
    await api.start();
    await api.applyCrds(["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"]);
    for (const o of [
      f.node("edge-1", { "edgegate.io/gateway": "true" }, "192.0.2.21"),
      f.gatewayClass(),
      f.gateway(),
      f.service(),
      f.endpointSlice(),
      f.httpRoute("a"),
    ])
      await api.create(o);
    writeFileSync(
      join(dir, "edgegate.yaml"),
      [
        `source: {kubernetes: {kubeconfig: ${api.kubeconfig}, leaseNamespace: default, leaseDurationSeconds: 4}}`,
        "node: {name: edge-1}",
        'nodes: {matchLabels: {edgegate.io/gateway: "true"}}',
        `xds: {socket: ${join(dir, "xds.sock")}}`,
        "health: {address: 127.0.0.1:0}",
        "admin: {address: 127.0.0.1:0}",
        "envoy: {path: /nonexistent/envoy, drainSeconds: 0}",
        "",
      ].join("\n"),
    );
    proc = Bun.spawn([process.execPath, main, "run", "--config", join(dir, "edgegate.yaml")], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    log = collectLogLines(proc.stderr);
  }, 60_000);

  afterAll(async () => {
    proc?.kill("SIGKILL");
    await proc?.exited;
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const logged = (msg: string): Record<string, unknown> | undefined => log?.find((j) => j.msg === msg);

  test("serves the API's objects, writes status, follows node labels, releases the lease on SIGTERM", async () => {
    const listening = await until("status servers", () => logged("status server listening"), 20_000);
    const admin = String(listening.admin);
    const health = String(listening.health);
    const status = async (): Promise<StatusJson> => (await (await fetch(`${admin}/status`)).json()) as StatusJson;
    await until(
      "synced with the route's listener",
      async () => {
        const s = await status();
        return s.source.mode === "kubernetes" && s.source.state === "synced" && s.listeners.some((l) => l.name === "default/web/8080");
      },
      20_000,
    );
    expect((await fetch(`${health}/readyz`)).status).toBe(200);
    // Status written back by this (only) instance, with the Node's address.
    await until(
      "gateway status",
      async () => {
        const st = (await api.get(f.gateway())).status as { addresses?: Array<{ value: string }> } | undefined;
        return st?.addresses?.[0]?.value === "192.0.2.21";
      },
      20_000,
    );
    const s = await status();
    expect(s.node.selected).toBe(true);
    // Watch, Lease and status-writer state in /status.
    expect(s.source.watches?.find((w) => w.kind === "HTTPRoute")?.phase).toBe("synced");
    expect(s.source.watches?.find((w) => w.kind === "TLSRoute")?.phase).toBe("missing");
    // (/status reads the source section, Lease included, live.)
    await until("lease shown as held", async () => (await status()).source.lease?.leader === true);
    expect((await status()).source.lease).toMatchObject({ leader: true, holder: "edge-1" });
    expect(s.source.status).toBeDefined();
    // Envoy is absent here, so /healthz is 503 anyway; its node reason is what must follow the labels.
    const reasons = async (): Promise<string> => JSON.stringify(await (await fetch(`${health}/healthz`)).json());
    expect(await reasons()).not.toContain("does not match the node selector");

    await api.update(f.node("edge-1", {}), (o) => {
      (o.metadata as { labels: Record<string, string> }).labels = { "edgegate.io/gateway": "false" };
    });
    await until(
      "node deselected in /status and /healthz",
      async () => !(await status()).node.selected && (await reasons()).includes("does not match the node selector"),
    );
    await api.update(f.node("edge-1", {}), (o) => {
      (o.metadata as { labels: Record<string, string> }).labels = { "edgegate.io/gateway": "true" };
    });
    await until("node selected again", async () => (await status()).node.selected);

    // API outage: ready all along (the last configuration is served), one warning for the outage
    // rather than one per watch and attempt, no recompute; every watch back within 5 s.
    const from = log!.lines.length;
    await api.killApiServer();
    await until("outage in /status", async () => (await status()).source.message?.includes("Kubernetes API unreachable"), 20_000);
    const outageEnds = Date.now() + 6000;
    while (Date.now() < outageEnds) {
      expect((await fetch(`${health}/readyz`)).status).toBe(200);
      await Bun.sleep(200);
    }
    const during = log!.lines.slice(from).flatMap((l) => {
      try {
        return [JSON.parse(l) as { msg: string; level: string }];
      } catch {
        return [];
      }
    });
    expect(during.filter((j) => j.msg === "configuration published")).toEqual([]);
    expect(during.filter((j) => j.msg === "Kubernetes API unreachable; serving the last known configuration until it returns").length).toBe(1);
    expect(during.filter((j) => j.level === "warn").length).toBeLessThanOrEqual(2);
    await api.startApiServer();
    const answered = Date.now();
    await until("every watch synced", async () => (await status()).source.watches?.every((w) => w.phase === "synced" || w.phase === "missing"), 20_000);
    const resyncMs = Date.now() - answered;
    console.error(`edgegate run: every watch resynced ${resyncMs} ms after the API server answered again`);
    expect(resyncMs).toBeLessThan(5000);
    expect((await fetch(`${health}/readyz`)).status).toBe(200);
    await until("lease held again", async () => (await status()).source.lease?.leader === true, 20_000);

    proc.kill("SIGTERM");
    await proc.exited;
    expect(logged("status writer: lease released")).toBeDefined();
    const lease = await api.client.request("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/edgegate-status");
    expect((lease.spec as { holderIdentity?: string }).holderIdentity ?? "").toBe("");
  }, 90_000);
});
