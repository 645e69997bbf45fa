// The hostile inputs against a running appliance (file source -> translation -> snapshot cache):
// with a working configuration in force, each input that holds no valid object is written over the
// file that holds the route and its Service; the published snapshot version must not move (within
// the settle window; after it, objects the text no longer mentions go, as the README says). Then a
// broken TLS key must not take the HTTPS listener down, and a real removal must be logged as a WARN.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/types.ts";
import { createLogger } from "../../src/log/logger.ts";
import { startAppliance, type ApplianceHandle } from "../../src/run/appliance.ts";
import { loadPaths } from "../../src/sources/files/load.ts";
import { FileSource } from "../../src/sources/files/source.ts";
import { freePort } from "../helpers/ports.ts";
import { hostileInputs, pem } from "./inputs.ts";

let dir: string;
let app: ApplianceHandle;
const logLines: string[] = [];
const { crt, key, otherKey } = pem();
const indent = (s: string): string =>
  s
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
const secret = (k: string): string =>
  `apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: cert\nstringData:\n  tls.key: |\n${indent(k)}\n  tls.crt: |\n${indent(crt)}\n`;
const web = `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations: {edgegate.io/endpoints: "127.0.0.1:8080"}\nspec:\n  ports: [{port: 80}]\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [a.example]\n  rules: [{backendRefs: [{name: web, port: 80}]}]\n`;
const version = (): string => app.cache.snapshot().version;
let source: FileSource;
/** Reads the files again and waits until that read (and any it queued) has been compiled. */
async function settled(): Promise<void> {
  await source.refresh(false);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edgegate-hostile-run-"));
  writeFileSync(
    join(dir, "gateway.yaml"),
    `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edgegate}\nspec: {controllerName: edgegate.io/gateway-controller}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: edgegate\n  listeners:\n  - {name: http, port: 80, protocol: HTTP}\n  - {name: https, port: 443, protocol: HTTPS, hostname: a.example, tls: {certificateRefs: [{name: cert}]}}\n`,
  );
  writeFileSync(join(dir, "cert.yaml"), secret(key));
  writeFileSync(join(dir, "web.yaml"), web);
  const config = defaultConfig("hostile-run");
  config.source.paths = [dir];
  // Long enough that no removal settles while a hostile text stands, however slow the machine.
  config.source.settleMs = 20_000;
  config.xds = { socket: join(dir, "xds.sock"), tcpAddress: { kind: "tcp", host: "127.0.0.1", port: await freePort() } };
  config.health.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
  config.admin.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
  config.envoy = { ...config.envoy, path: "/nonexistent/envoy", drainSeconds: 0 };
  source = new FileSource(config.source.paths, { settleMs: config.source.settleMs });
  app = await startAppliance(config, createLogger({ level: "warn", rateLimit: false, sink: { write: (l) => void logLines.push(l) } }), source);
});

afterAll(async () => {
  await app?.stop({ drain: false });
  rmSync(dir, { recursive: true, force: true });
});

describe("run keeps the previous snapshot in force", () => {
  test("every hostile input without a valid object leaves the published version as it was", async () => {
    const before = version();
    const listeners = [...app.cache.snapshot().types].find(([url]) => url.endsWith(".Listener"))?.[1].entries;
    expect([...(listeners?.keys() ?? [])].sort()).toEqual(["default/gw/443", "default/gw/80"]);
    let tried = 0;
    for (const input of hostileInputs()) {
      const probe = join(dir, "..", `${input.name}-probe.yaml`);
      writeFileSync(probe, input.text);
      const valid = (await loadPaths([probe])).objects.length;
      rmSync(probe);
      if (valid > 0) continue;
      writeFileSync(join(dir, "web.yaml"), input.text);
      await settled();
      expect({ input: input.name, version: version() }).toEqual({ input: input.name, version: before });
      tried++;
      // Back to the good text within the settle window: objects a hostile text leaves out would
      // (rightly) go once it has stood for settleMs.
      writeFileSync(join(dir, "web.yaml"), web);
      await settled();
    }
    writeFileSync(join(dir, "web.yaml"), web);
    await settled();
    expect(version()).toBe(before);
    expect(tried).toBeGreaterThanOrEqual(60);
  }, 60_000);

  test("a TLS key that does not match its certificate keeps the HTTPS listener and the old Secret", async () => {
    const before = version();
    writeFileSync(join(dir, "cert.yaml"), secret(otherKey));
    await settled();
    expect(version()).toBe(before);
    const line = logLines.find((l) => l.includes("cert.yaml") && l.includes('"field":"stringData.tls.key"'));
    expect(line).toContain('"kind":"Secret"');
    expect(line).toContain('"message":"does not match the certificate in stringData.tls.crt (subject CN=a.example)"');
    expect(line).toContain("the last good version stays in force");
    writeFileSync(join(dir, "cert.yaml"), secret(key));
    await settled();
  });

  test("a change that stops serving a route is a WARN that names it and why", async () => {
    writeFileSync(join(dir, "web.yaml"), web.replace("parentRefs: [{name: gw}]", "parentRefs: [{name: gw, sectionName: nosuch}]"));
    await settled();
    const warn = logLines.find((l) => l.includes('"route no longer served"'));
    expect(warn).toBeDefined();
    expect(warn).toContain("HTTPRoute/default/web on a.example");
    expect(warn).toContain("not Accepted (NoMatchingParent): Gateway default/gw has no listener named nosuch");
  });
});
