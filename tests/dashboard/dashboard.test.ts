// The admin dashboard in a real headless Chromium against the compiled binary running the example
// configuration: the topology is drawn (listeners -> routes -> Services -> endpoints, with
// conditions), an edit on disk shows up within 2 s, and a screenshot is kept in build/.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectLogLines, type LogLines } from "../helpers/log-lines.ts";
import { Browser, chromiumPath } from "./cdp.ts";

const root = join(import.meta.dir, "../..");
const bin = join(root, "dist/edgegate");
const artifact = join(root, "build/dashboard.png");

if (!chromiumPath) console.error("!!! tests/dashboard SKIPPED: no chromium (scripts/setup.sh installs Debian's chromium) !!!");

describe.skipIf(!chromiumPath)("dashboard in headless Chromium", () => {
  let dir: string;
  let app: ReturnType<typeof Bun.spawn>;
  let log: LogLines;
  let admin: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh first`);
    dir = mkdtempSync(join(tmpdir(), "edgegate-dashboard-"));
    cpSync(join(root, "config/examples/lab"), join(dir, "inputs"), { recursive: true });
    writeFileSync(
      join(dir, "edgegate.yaml"),
      [
        "source: {paths: [inputs]}",
        "node: {name: dash-test}",
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
    browser = await Browser.open(`${admin}/`);
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
    app?.kill("SIGKILL");
    await log?.done;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the example's topology is drawn with its conditions", async () => {
    await browser.waitFor(`document.querySelectorAll('[data-node^="route:"]').length === 3`);
    const nodes = await browser.evaluate<string[]>(`[...document.querySelectorAll("[data-node]")].map((e) => e.dataset.node).sort()`);
    expect(nodes).toEqual([
      "endpoint:default/docs/9090|localhost:9090 (DNS)",
      "endpoint:default/web/80|127.0.0.1:9080",
      "endpoint:default/web/80|127.0.0.1:9081",
      "listener:default/lab/8080",
      "listener:ingress/80",
      "route:HTTPRoute/default/docs",
      "route:HTTPRoute/default/web",
      "route:Ingress/default/legacy",
      "service:default/docs/9090",
      "service:default/web/80",
    ]);
    // Every edge is drawn as a line between two cards.
    const edges = await browser.evaluate<string[]>(`[...document.querySelectorAll("path[data-edge]")].map((p) => p.dataset.edge).sort()`);
    expect(edges).toEqual([
      "listener:default/lab/8080 -> route:HTTPRoute/default/docs",
      "listener:default/lab/8080 -> route:HTTPRoute/default/web",
      "listener:ingress/80 -> route:Ingress/default/legacy",
      "route:HTTPRoute/default/docs -> service:default/docs/9090",
      "route:HTTPRoute/default/web -> service:default/web/80",
      "route:Ingress/default/legacy -> service:default/web/80",
      "service:default/docs/9090 -> endpoint:default/docs/9090|localhost:9090 (DNS)",
      "service:default/web/80 -> endpoint:default/web/80|127.0.0.1:9080",
      "service:default/web/80 -> endpoint:default/web/80|127.0.0.1:9081",
    ]);
    const routeBadges = await browser.evaluate<string[]>(
      `[...document.querySelectorAll('[data-node="route:HTTPRoute/default/web"] .badge')].map((b) => b.textContent)`,
    );
    expect(routeBadges).toEqual(["Accepted", "ResolvedRefs"]);
    expect(await browser.evaluate<string>(`document.querySelector('[data-node="listener:default/lab/8080"] .badge').textContent`)).toBe("Programmed");
    // The health verdict and its reasons (no Envoy on this machine's test config).
    expect(await browser.evaluate<string>(`document.getElementById("health").textContent`)).toBe("unhealthy");
    expect(await browser.evaluate<string>(`document.getElementById("reasons").textContent`)).toContain("envoy: not found");
  });

  test("an edit on disk shows up within 2 s; a broken reference is shown in red", async () => {
    const before = await browser.evaluate<string>("document.body.dataset.version");
    const started = performance.now();
    writeFileSync(
      join(dir, "inputs/api.yaml"),
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: api, namespace: default}\nspec:\n  parentRefs: [{name: lab}]\n  hostnames: [api.lab.example]\n  rules:\n  - backendRefs: [{name: missing, port: 80}]\n",
    );
    await browser.waitFor(`document.querySelector('[data-node="route:HTTPRoute/default/api"]')`, 5_000);
    const ms = performance.now() - started;
    console.error(`dashboard: edit on disk to the new route drawn in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(2_000);
    expect(await browser.evaluate<string>("document.body.dataset.version")).not.toBe(before);
    const badges = await browser.evaluate<string[]>(
      `[...document.querySelectorAll('[data-node="route:HTTPRoute/default/api"] .badge')].map((b) => b.textContent)`,
    );
    expect(badges).toEqual(["Accepted", "ResolvedRefs: BackendNotFound", "unresolved backend: 500"]);
    expect(await browser.evaluate<boolean>(`document.querySelector('[data-node="route:HTTPRoute/default/api"]').classList.contains("bad")`)).toBe(true);
    expect(await browser.evaluate<string>(`document.getElementById("problems").textContent`)).toContain("api.yaml");
  });

  test("a screenshot is kept as a test artifact", async () => {
    await Bun.sleep(600); // one more refresh, so the edges are laid out on the final cards
    const png = await browser.screenshot();
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeGreaterThan(20_000);
    mkdirSync(join(root, "build"), { recursive: true });
    writeFileSync(artifact, png);
  });

  test("read-only: nothing but GET is answered", async () => {
    for (const path of ["/", "/status", "/topology", "/config_dump"]) expect((await fetch(`${admin}${path}`, { method: "POST" })).status).toBe(404);
  });
});
