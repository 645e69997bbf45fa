// The compiled binary, run as a user runs it: dist/edgegate (built by scripts/setup.sh).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectLogLines } from "../helpers/log-lines.ts";

const root = join(import.meta.dir, "../..");
const bin = join(root, "dist/edgegate");
const conformance = join(root, "../shared/conformance/gateway-api-v1.6.1");

function run(args: string[], opts: { cwd?: string } = {}): { code: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync([bin, ...args], { cwd: opts.cwd ?? root, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh (it builds the binary) before the tests`);
});

describe("dist/edgegate", () => {
  test("version", () => {
    const r = run(["version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^edgegate 0\.1\.0 \(bun /);
  });

  test("unknown command and bad flag exit 2 with a message", () => {
    expect(run(["frobnicate"]).code).toBe(2);
    const r = run(["render", "--fromat", "yaml", "config/examples"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith("edgegate render: unknown flag --fromat\n\nusage: edgegate render ");
  });

  test("validate the example config and its inputs", () => {
    const r = run(["validate", "--config", "config/edgegate.yaml"]);
    expect(r.stderr).toContain("ok: 8 objects in 4 file(s)");
    expect(r.code).toBe(0);
  });

  test("validate reports FILE:LINE: Kind namespace/name: field.path: message and exits 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgegate-bin-"));
    try {
      writeFileSync(
        join(dir, "bad.yaml"),
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n  rules:\n  - matches:\n    - path: {type: PathPrefix, value: api}\n",
      );
      const r = run(["validate", dir]);
      expect(r.code).toBe(1);
      expect(r.stderr.split("\n")[0]).toBe(
        `${dir}/bad.yaml:8: HTTPRoute default/r: spec.rules[0].matches[0].path.value: must be an absolute path starting with '/' when type is PathPrefix (got "api")`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("render is deterministic and names resources readably", () => {
    const a = run(["render", "--status", "--config", "config/edgegate.yaml", "config/examples"]);
    const b = run(["render", "--status", "--config", "config/edgegate.yaml", "config/examples"]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const doc = JSON.parse(a.stdout) as { listeners: Array<{ name: string }>; clusters: Array<{ name: string }>; status: Array<{ kind: string }> };
    expect(doc.listeners.map((l) => l.name)).toEqual(["default/lab/8080", "ingress/80"]);
    expect(doc.clusters.map((c) => c.name)).toEqual(["default/docs/9090", "default/web/80"]);
    expect(doc.status.map((s) => s.kind).sort()).toEqual(["Gateway", "GatewayClass", "HTTPRoute", "HTTPRoute", "Ingress"]);
    const yaml = run(["render", "--format", "yaml", "config/examples"]);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toStartWith("listeners:\n");
  });

  test("render never prints a private key unless --show-secrets", () => {
    const dir = mkdtempSync(join(tmpdir(), "edgegate-bin-tls-"));
    try {
      const gen = Bun.spawnSync(
        [
          "openssl",
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
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
      for (const format of ["json", "yaml"]) {
        const r = run(["render", "--format", format, join(dir, "in.yaml")]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("BEGIN CERTIFICATE");
        expect(r.stdout).not.toContain("PRIVATE KEY");
        expect(r.stdout).toContain("[redacted]");
      }
      expect(run(["render", "--show-secrets", join(dir, "in.yaml")]).stdout).toContain("PRIVATE KEY");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("every conformance manifest either renders or fails validation with a clear message; none crashes", async () => {
    if (!existsSync(conformance)) throw new Error(`${conformance} is missing (the shared conformance data must sit beside the repository)`);
    const files = [
      join(conformance, "base/manifests.yaml"),
      ...readdirSync(join(conformance, "tests"))
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => join(conformance, "tests", f)),
    ];
    const crashes: string[] = [];
    let rendered = 0;
    let problems = 0;
    const queue = [...files];
    const worker = async (): Promise<void> => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const p = Bun.spawn([bin, "render", "--status", f], { stdout: "pipe", stderr: "pipe" });
        const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
        const lines = err.split("\n").filter((l) => l !== "");
        // Exit 0 (no problem) or 1 (problems, every line in the FILE:LINE: form); either way what
        // is valid is rendered; nothing else.
        let doc: { listeners?: unknown[] } | undefined;
        try {
          doc = JSON.parse(out) as { listeners?: unknown[] };
        } catch {
          doc = undefined;
        }
        if (code === 0 && doc) rendered++;
        else if (code !== 1 || !Array.isArray(doc?.listeners) || lines.length === 0 || lines.some((l) => !l.startsWith(f + ":")))
          crashes.push(`${f}: exit ${code}\n${err.slice(0, 400)}`);
        else problems++;
      }
    };
    await Promise.all([worker(), worker()]);
    expect(crashes).toEqual([]);
    // The manifests are templates (gatewayClassName: "{GATEWAY_CLASS_NAME}"), so since validate
    // reports Gateways of classes edgegate does not serve, most exit 1 with clear problem lines.
    expect(rendered + problems).toBe(files.length);
    expect(problems).toBeGreaterThan(0);
  }, 120_000);
});

describe("dist/edgegate run", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "edgegate-run-"));
    cpSync(join(root, "config/examples/lab"), join(dir, "inputs"), { recursive: true });
    writeFileSync(
      join(dir, "edgegate.yaml"),
      [
        "source: {paths: [inputs]}",
        "node: {name: bin-test, labels: {role: edge}}",
        "nodes: {matchLabels: {role: edge}}",
        `xds: {socket: ${join(dir, "xds.sock")}}`,
        "health: {address: 127.0.0.1:0}",
        "admin: {address: 127.0.0.1:0}",
        "envoy: {path: /nonexistent/envoy, drainSeconds: 0}",
        "",
      ].join("\n"),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("serves /livez, /readyz and an honest /healthz; reloads on change; stops on SIGTERM", async () => {
    const p = Bun.spawn([bin, "run", "--config", join(dir, "edgegate.yaml")], { stdout: "pipe", stderr: "pipe" });
    const log = collectLogLines(p.stderr);
    const waitFor = log.waitFor;
    try {
      const listening = await waitFor((l) => l.msg === "status server listening");
      const admin = String(listening.admin);
      const health = String(listening.health);
      expect((await fetch(`${health}/livez`)).status).toBe(200);
      await waitFor((l) => l.msg === "configuration published");
      // The health port answers from its own thread, which hears of the published snapshot a moment
      // after that log line: ready within 2 s of it, not necessarily at the same instant.
      let ready = 0;
      for (const end = Date.now() + 2000; Date.now() < end; await Bun.sleep(20)) if ((ready = (await fetch(`${health}/readyz`)).status) === 200) break;
      expect(ready).toBe(200);
      const metrics = await (await fetch(`${admin}/metrics`)).text();
      expect(metrics).toContain('edgegate_objects{kind="Service"} 2');
      expect(metrics).toContain('edgegate_objects{kind="HTTPRoute"} 2');
      expect(metrics).toMatch(/^edgegate_validation_errors 0$/m);
      const hz = await fetch(`${health}/healthz`);
      expect(hz.status).toBe(503);
      expect(JSON.stringify(await hz.json())).toContain("envoy: not found");
      // A broken edit is reported and the last good route stays in force.
      writeFileSync(
        join(dir, "inputs/routes.yaml"),
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web, namespace: default}\nspec:\n  hostnames: [BAD]\n",
      );
      const problem = await waitFor((l) => l.field === "spec.hostnames[0]");
      expect(problem).toMatchObject({
        level: "warn",
        msg: "invalid input; the last good version stays in force",
        kind: "HTTPRoute",
        namespace: "default",
        name: "web",
        line: 5,
      });
      expect(problem.file).toEndWith("inputs/routes.yaml");
      const status = (await (await fetch(`${admin}/status`)).json()) as {
        inputs: { objects: Array<{ kind: string; name: string }>; problems: Array<{ path?: string }> };
      };
      expect(status.inputs.objects.some((o) => o.kind === "HTTPRoute" && o.name === "web")).toBe(true);
      expect(status.inputs.problems.some((x) => x.path === "spec.hostnames[0]")).toBe(true);
      p.kill("SIGTERM");
      expect(await p.exited).toBe(0);
    } finally {
      p.kill("SIGKILL");
      await log.done;
    }
  }, 30_000);
});
