// The configuration is never changed while running: a source that watches the Node object (as the
// Kubernetes source does) changes this node's labels and addresses, and the appliance follows them
// (Gateway status addresses, /status selection) through its run-time node state. The config is
// deep-frozen before start, so any write to it throws; it must also serialise the same afterwards.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApplianceConfig } from "../../src/config/types.ts";
import { silentLogger } from "../../src/log/logger.ts";
import type { CompileResult } from "../../src/pipeline/compile.ts";
import { startAppliance, type ApplianceHandle } from "../../src/run/appliance.ts";
import type { ApplianceStatus } from "../../src/server/status-types.ts";
import { parseFile } from "../../src/sources/files/parse.ts";
import type { Source } from "../../src/sources/source.ts";
import { testApplianceConfig } from "../helpers/appliance-config.ts";
import { edgegateClass, gateway } from "../helpers/manifests.ts";

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object") {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** A source that knows this node's Node object, the way src/sources/kube/source.ts does. */
class NodeWatchingSource implements Source {
  labels: Record<string, string> = { role: "edge" };
  addresses = ["192.0.2.10"];
  private onChange: () => void = () => {};
  private readonly objs = parseFile(
    "gw.yaml",
    `${edgegateClass}---\n${gateway({ name: "gw", namespace: "web", listeners: "[{name: http, protocol: HTTP, port: 8080}]" })}`,
  ).objects;
  async start(onChange: () => void): Promise<void> {
    this.onChange = onChange;
    onChange();
  }
  objects() {
    return this.objs;
  }
  problems() {
    return [];
  }
  state() {
    return { mode: "kubernetes" as const, state: "synced" as const, objects: this.objs.length };
  }
  nodeLabels(): Record<string, string> {
    return this.labels;
  }
  nodeAddresses(): string[] {
    return this.addresses;
  }
  async stop(): Promise<void> {}
  /** The Node object changed. */
  change(labels: Record<string, string>, addresses: string[]): void {
    this.labels = labels;
    this.addresses = addresses;
    this.onChange();
  }
}

let dir: string;
let app: ApplianceHandle;
let config: ApplianceConfig;
let before: string;
const source = new NodeWatchingSource();
const results: CompileResult[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edgegate-node-state-"));
  const draft = testApplianceConfig("node-state-test", dir);
  draft.nodes.matchLabels = { role: "edge" };
  config = deepFreeze(draft);
  before = JSON.stringify(config);
  app = await startAppliance(config, silentLogger, source, { onCompiled: (r) => results.push(r) });
});

afterAll(async () => {
  await app?.stop({ drain: false });
  rmSync(dir, { recursive: true, force: true });
});

const gatewayAddresses = (): string[] => {
  const gw = results.at(-1)?.status.find((s) => s.kind === "Gateway");
  return gw?.kind === "Gateway" ? gw.status.addresses.map((a) => a.value) : [];
};
const node = async (): Promise<ApplianceStatus["node"]> => ((await (await fetch(`${app.statusServers.admin.url}/status`)).json()) as ApplianceStatus).node;

test("labels and addresses learned at run time reach status and selection; the config is not written", async () => {
  expect(gatewayAddresses()).toEqual(["192.0.2.10"]);
  expect(await node()).toMatchObject({ name: "node-state-test", labels: { role: "edge" }, selected: true });

  source.change({ role: "spare" }, ["192.0.2.20"]);
  expect(gatewayAddresses()).toEqual(["192.0.2.20"]);
  expect(await node()).toMatchObject({ labels: { role: "spare" }, selector: { role: "edge" }, selected: false });

  expect(JSON.stringify(config)).toBe(before);
  expect(config.node).toEqual({ name: "node-state-test", labels: {}, addresses: [] });
});
