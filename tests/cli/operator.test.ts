// What an operator runs against a live appliance, through the compiled binary: status tables,
// dump (the configuration in force, also while an edit is broken), render with problems, and the
// CLI manners (usage on a bad flag, a closed pipe, relative paths in the config).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectLogLines, type LogLines } from "../helpers/log-lines.ts";
import { call, xdsClient } from "../xds/grpc.ts";

const root = join(import.meta.dir, "../..");
const bin = join(root, "dist/edgegate");

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync([bin, ...args], { cwd: root, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

interface Dump {
  listeners: Array<{ name: string }>;
  routes: Array<{ name: string; virtualHosts: Array<{ name: string }> }>;
  clusters: Array<{ name: string }>;
  endpoints: unknown[];
  secrets: unknown[];
  xds: { seq: number; version: string; types: Record<string, { version: string; resources: number; clients: unknown[] }> };
}

let dir: string;
let config: string;
let app: ReturnType<typeof Bun.spawn> | undefined;
let log: LogLines;
let xdsPort = 0;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh (it builds the binary) before the tests`);
  dir = mkdtempSync(join(tmpdir(), "edgegate-operator-"));
  // The systemd recipe's layout: the config and its inputs side by side, the config naming them
  // relative to its own folder, and the appliance started from another working directory.
  cpSync(join(root, "config/examples"), join(dir, "etc/examples"), { recursive: true });
  config = join(dir, "etc/edgegate.yaml");
  writeFileSync(
    config,
    [
      "source: {paths: [examples/lab]}",
      "node: {name: op-test, labels: {role: edge}}",
      "nodes: {matchLabels: {role: edge}}",
      `xds: {socket: ${join(dir, "xds.sock")}, tcpAddress: "127.0.0.1:${(xdsPort = await freePort())}"}`,
      "health: {address: 127.0.0.1:0}",
      // status and dump find the admin server through --config, so it needs a fixed port.
      `admin: {address: "127.0.0.1:${await freePort()}"}`,
      "envoy: {path: /nonexistent/envoy, drainSeconds: 0}",
      "",
    ].join("\n"),
  );
  app = Bun.spawn([bin, "run", "--config", config], { cwd: "/", stdout: "ignore", stderr: "pipe" });
  log = collectLogLines(app.stderr as ReadableStream<Uint8Array>);
  await log.waitFor((l) => l.msg === "configuration published", 15_000);
});

afterAll(async () => {
  app?.kill("SIGKILL");
  await log?.done;
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const p = s.port;
  s.stop(true);
  return p!;
}

describe("against a running appliance", () => {
  test("status --config: tables with one consistent count, problems by file, health last", () => {
    const r = run(["status", "--config", config]);
    expect(r.code).toBe(1); // no Envoy here: unhealthy
    const t = r.stdout;
    expect(t).toMatch(/^GATEWAYCLASSES\n {2}NAME +ACCEPTED\n {2}edgegate +True\n/);
    // No Envoy here: Programmed waits for the data plane (issue 16), the listeners' own stay True.
    expect(t).toMatch(/GATEWAYS\n {2}NAMESPACE +NAME +ADDRESSES +PROGRAMMED +LISTENERS +ATTACHED ROUTES\n {2}default +lab +\S+ +False \(Pending\) +1 +2\n/);
    expect(t).toMatch(/ {2}HTTPRoute +default +docs +default\/lab +True +True\n {2}HTTPRoute +default +web +default\/lab +True +True\n/);
    expect(t).toMatch(/INGRESSES\n {2}NAMESPACE +NAME +ADDRESS\n {2}default +legacy/);
    expect(t).toContain("INPUTS\n  files, synced");
    expect(t).toContain(": 8 objects (1 Gateway, 1 GatewayClass, 2 HTTPRoute, 1 Ingress, 1 IngressClass, 2 Service), 0 problems\n");
    expect(t).toMatch(/ENVOY\n {2}PHASE +PID +RESTARTS +UP +LAST EXIT\n {2}not-found /);
    expect(t).toContain("DATAPATH\n  mode off, disabled: ");
    expect(t).toMatch(
      /HEALTH {3}NOT OK \(\/healthz 503\): 2 reasons\n {2}- envoy: not found: envoy binary "\/nonexistent\/envoy" not found\n {2}- xds: Envoy \(node "op-test"\) is not connected/,
    );
    // The not-found advice appears once, not in every section.
    expect(t.split("apt.envoyproxy.io").length - 1).toBe(1);
    // --json is the same facts for machines.
    const j = JSON.parse(run(["status", "--json", "--config", config]).stdout) as { source: { objects: number }; inputs: { counts: Record<string, number> } };
    expect(Object.values(j.inputs.counts).reduce((a, b) => a + b, 0)).toBe(j.source.objects);
  });

  test("dump: the configuration in force in render's shape, filterable; render of the same inputs agrees", () => {
    const r = run(["dump", "--config", config]);
    expect(r.code).toBe(0);
    const dump = JSON.parse(r.stdout) as Dump;
    const rendered = JSON.parse(run(["render", "--config", config]).stdout) as Omit<Dump, "xds">;
    const { xds, ...served } = dump;
    expect(served).toEqual(rendered);
    expect(xds.seq).toBeGreaterThan(0);
    expect(xds.types.lds!.resources).toBe(2);
    expect(Object.keys(xds.types).sort()).toEqual(["cds", "eds", "lds", "rds", "sds"]);
    const routes = JSON.parse(run(["dump", "--config", config, "--type", "rds", "--name", "default/*"]).stdout) as Dump;
    expect(routes.routes.map((x) => x.name)).toEqual(["default/lab/8080"]);
    expect(routes.listeners).toEqual([]);
    expect(Object.keys(routes.xds.types)).toEqual(["rds"]);
    const yaml = run(["dump", "--config", config, "--type", "clusters", "--format", "yaml"]);
    expect(yaml.stdout).toStartWith("listeners: []\nroutes: []\nclusters:\n");
    const bad = run(["dump", "--config", config, "--type", "lsd"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("edgegate dump: unknown type lsd (known: lds, listeners, rds, routes");
  });

  test("a real xDS client (grpc-js-xds) shows in status and dump with the version it ACKed", async () => {
    const client = xdsClient("lab.default", xdsPort, "op-client");
    try {
      // The call makes the client resolve: it subscribes to LDS and ACKs what it gets (no such
      // listener here, so the RPC itself fails; the ACK is what this test is about).
      void call(client, "/test.Echo/Echo", {}, 3000).catch(() => {});
      const deadline = Date.now() + 10_000;
      let acked = false;
      while (!acked && Date.now() < deadline) {
        const j = JSON.parse(run(["status", "--json", "--config", config]).stdout) as {
          xds: { clients: Array<{ nodeId: string; types: Array<{ type: string; current: boolean }> }> };
        };
        acked = j.xds.clients.some((c) => c.nodeId === "op-client" && c.types.some((t) => t.type === "lds" && t.current));
        if (!acked) await Bun.sleep(100);
      }
      expect(acked).toBe(true);
      const dump = JSON.parse(run(["dump", "--config", config, "--type", "lds"]).stdout) as {
        xds: { types: { lds: { version: string; clients: Array<{ node: string; state: string; acked?: string }> } } };
      };
      const lds = dump.xds.types.lds;
      expect(lds.clients).toEqual([expect.objectContaining({ node: "op-client", state: "ACKed", acked: expect.any(String) })]);
      const text = run(["status", "--config", config]).stdout;
      expect(text).toMatch(
        /XDS\n {2}snapshot #\d+ version \w+, published .*; 1 client\n {2}NODE +PROTOCOL +ADDRESS +LDS +RDS +CDS +EDS +SDS\n {2}op-client +sotw +127\.0\.0\.1:\d+ +\w{8} ACK +- +- +- +-\n/,
      );
    } finally {
      client.close();
    }
  });

  test("a broken edit: dump still shows the last good configuration; render shows what it can and exits 1; both resolve", async () => {
    const before = JSON.parse(run(["dump", "--config", config]).stdout) as Dump;
    const routes = join(dir, "etc/examples/lab/routes.yaml");
    const good = readFileSync(routes, "utf8");
    writeFileSync(routes, good.replace(/hostnames:\s*\n(\s*)- /, "hostnames:\n$1- BAD_HOST\n$1- "));
    const problem = await log.waitFor((l) => l.msg === "invalid input; the last good version stays in force");
    expect(problem).toMatchObject({ level: "warn", kind: "HTTPRoute", namespace: "default", field: "spec.hostnames[0]" });
    const during = JSON.parse(run(["dump", "--config", config]).stdout) as Dump;
    expect(during.xds.version).toBe(before.xds.version);
    expect(during.routes).toEqual(before.routes);
    const r = run(["render", "--config", config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/routes\.yaml:\d+: HTTPRoute default\/\w+: spec\.hostnames\[0\]: /);
    const shown = JSON.parse(r.stdout) as Dump;
    expect(shown.listeners.length).toBe(2); // rendered without the invalid route
    const status = run(["status", "--config", config]).stdout;
    expect(status).toMatch(/PROBLEMS \(1\)\n {2}\S+routes\.yaml {2}\(1 problem\)\n {4}line \d+ {2}HTTPRoute default\/\w+ {2}spec\.hostnames\[0\]: /);
    writeFileSync(routes, good);
    await log.waitFor((l) => l.msg === "input problem resolved" && l.field === "spec.hostnames[0]");
  });

  test("stopping logs a last line", async () => {
    app!.kill("SIGTERM");
    expect(await app!.exited).toBe(0);
    await log.done;
    const last = JSON.parse(log.lines.filter((l) => l.startsWith("{")).at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ level: "info", msg: "edgegate stopped" });
    // One line per event at start-up: the status servers and the datapath are announced once each.
    expect(log.lines.filter((l) => l.includes("listening") && l.includes("status")).length).toBe(1);
    expect(log.lines.filter((l) => l.includes('"datapath')).length).toBe(1);
  });
});

describe("commands as written", () => {
  test("a config whose input path does not exist: /readyz says which path", async () => {
    const cfg = join(dir, "missing.yaml");
    writeFileSync(
      cfg,
      [
        "source: {paths: [nowhere]}",
        `xds: {socket: ${join(dir, "xds2.sock")}}`,
        "health: {address: 127.0.0.1:0}",
        "admin: {address: 127.0.0.1:0}",
        "envoy: {path: /nonexistent/envoy, drainSeconds: 0}",
        "",
      ].join("\n"),
    );
    const p = Bun.spawn([bin, "run", "--config", cfg, "--log-level", "debug"], { stdout: "ignore", stderr: "pipe" });
    const l = collectLogLines(p.stderr);
    try {
      const listening = await l.waitFor((x) => x.msg === "status server listening");
      await l.waitFor((x) => x.msg === "configuration published");
      // The health port answers from its own thread, current within its 250 ms heartbeat.
      const want = `source: files error: source.paths: no such file or directory: ${join(dir, "nowhere")}`;
      let body: { reasons: string[] } = { reasons: [] };
      let status = 0;
      for (let i = 0; i < 30 && body.reasons[0] !== want; i++) {
        const res = await fetch(`${String(listening.health)}/readyz`);
        status = res.status;
        body = (await res.json()) as { reasons: string[] };
        if (body.reasons[0] !== want) await Bun.sleep(100);
      }
      expect(status).toBe(503);
      expect(body.reasons[0]).toBe(want);
      expect(l.find((x) => x.level === "warn" && x.file === join(dir, "nowhere"))).toBeDefined();
      // --log-level debug adds what a person debugging needs: where the time of a compile went.
      expect(await l.waitFor((x) => x.msg === "compile timings")).toMatchObject({ level: "debug", seq: expect.any(Number), translate_ms: expect.any(Number) });
    } finally {
      p.kill("SIGKILL");
      await l.done;
    }
  });

  test("render --config without PATH renders the config's inputs; without either it is a usage error", () => {
    const a = run(["render", "--config", "config/edgegate.yaml"]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(run(["render", "config/examples"]).stdout);
    const u = run(["render"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("usage: edgegate render");
  });

  test("an unknown flag prints the command's usage", () => {
    for (const cmd of ["render", "validate", "run", "status", "dump"]) {
      const r = run([cmd, "--bogus"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toStartWith(`edgegate ${cmd}: unknown flag --bogus\n\nusage: edgegate ${cmd}`);
    }
  });

  test("a closed pipe ends quietly", () => {
    // Far more output than a pipe buffers (64 KiB), so the writer meets the closed pipe.
    const input = join(dir, "many");
    cpSync(join(root, "config/examples/lab"), input, { recursive: true });
    const route = (i: number) =>
      `---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r${i}, namespace: default}\nspec:\n  parentRefs: [{name: lab}]\n  hostnames: [h${i}.example]\n  rules: [{backendRefs: [{name: web, port: 80}]}]\n`;
    writeFileSync(join(input, "many.yaml"), Array.from({ length: 400 }, (_, i) => route(i)).join(""));
    expect(run(["render", input]).stdout.length).toBeGreaterThan(150_000);
    for (const format of ["json", "yaml"]) {
      const r = Bun.spawnSync(["bash", "-c", `'${bin}' render --format ${format} '${input}' | head -c 10 >/dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`], {
        cwd: root,
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(r.stderr.toString()).toBe("exit=0\n");
    }
  });
});
