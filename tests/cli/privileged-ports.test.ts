// `validate --config` warns about listener ports the Envoy that `edgegate run` would start cannot
// bind (below net.ipv4.ip_unprivileged_port_start, no CAP_NET_BIND_SERVICE), with the message the
// listener's PortUnavailable condition carries at run time. The binary is run twice on the same
// configuration: as an unprivileged user (setpriv to nobody: no capabilities) it warns and still
// exits 0; as root (Envoy keeps root) it does not warn.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privilegedPortWarnings } from "../../src/cli/privileged-ports.ts";
import { translateOnly } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { parseFile } from "../../src/sources/files/parse.ts";
import { formatProblem } from "../../src/validate/problems.ts";

const root = join(import.meta.dir, "../..");
const bin = join(root, "dist/edgegate");
const start = Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim());

const INPUT = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: edgegate}
spec: {controllerName: edgegate.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: default}
spec:
  gatewayClassName: edgegate
  listeners:
  - name: alt
    protocol: HTTP
    port: 8080
  - name: http
    protocol: HTTP
    port: 81
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: edgegate}
spec: {controller: edgegate.io/ingress-controller}
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: default, annotations: {edgegate.io/endpoints: "10.1.0.30:8080"}}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: default}
spec:
  ingressClassName: edgegate
  rules: [{host: a.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}]}}]
`;

const capHint = (port: number, s: number): string =>
  `port ${port} is below ${s} and Envoy cannot bind it: it lacks CAP_NET_BIND_SERVICE (give edgegate the ambient capability, which Envoy inherits: AmbientCapabilities=CAP_NET_BIND_SERVICE in its systemd unit, NET_BIND_SERVICE in the Envoy container's capabilities; or use a port of ${s} or more)`;

test("warnings point at the Gateway listener's port field and at the Ingress; none when Envoy can bind any port", () => {
  const objects = parseFile("in/gateway.yaml", INPUT).objects;
  const result = translateOnly({ objects, config: defaultConfig("n") });
  expect(privilegedPortWarnings(result, objects, 1024).map(formatProblem)).toEqual([
    `in/gateway.yaml:17: Gateway default/web: spec.listeners[1].port: ${capHint(81, 1024)}`,
    `in/gateway.yaml:29: Ingress default/site: ${capHint(80, 1024)}`,
  ]);
  expect(privilegedPortWarnings(result, objects, 0)).toEqual([]);
  // a lower sysctl start: only ports under it
  expect(privilegedPortWarnings(result, objects, 80)).toEqual([]);
});

const why =
  process.getuid?.() !== 0
    ? "not root (setpriv to nobody needs root)"
    : !existsSync(bin)
      ? "dist/edgegate is missing"
      : start === 0
        ? "ip_unprivileged_port_start is 0"
        : undefined;
if (why) console.warn(`\n*** SKIPPED part of tests/cli/privileged-ports.test.ts: ${why} ***\n`);

describe.skipIf(why !== undefined)("dist/edgegate validate --config", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "eg-privports-"));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "in"));
    writeFileSync(join(dir, "in/gateway.yaml"), INPUT);
    writeFileSync(join(dir, "edgegate.yaml"), "source:\n  paths: [in]\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (asNobody: boolean): { code: number; stderr: string } => {
    const cmd = [bin, "validate", "--config", "edgegate.yaml"];
    const r = Bun.spawnSync(asNobody ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", ...cmd] : cmd, {
      cwd: dir,
      stdout: "pipe",
      stderr: "pipe",
    });
    return { code: r.exitCode ?? -1, stderr: r.stderr.toString() };
  };

  test("an unprivileged user is warned about ports 81 and 80 (exit 0: a warning, not a problem)", () => {
    const r = run(true);
    expect(r.stderr).toBe(
      [
        `in/gateway.yaml:17: Gateway default/web: spec.listeners[1].port: ${capHint(81, start)} (warning)`,
        `in/gateway.yaml:29: Ingress default/site: ${capHint(80, start)} (warning)`,
        "ok: 5 objects in 1 file(s)",
        "",
      ].join("\n"),
    );
    expect(r.code).toBe(0);
  });

  test("root: Envoy can bind any port, no warning", () => {
    expect(run(false)).toEqual({ code: 0, stderr: "ok: 5 objects in 1 file(s)\n" });
  });
});
