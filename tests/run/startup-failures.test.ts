// A start-up that cannot complete exits non-zero within 5 s, after stopping what it had started,
// with a message naming the setting (and its flag) and what to do. systemd's Restart= and a
// Kubernetes restart policy only work if a failed start really ends the process.
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../helpers/ports.ts";

const root = join(import.meta.dir, "../..");
const bin = join(root, "dist/edgegate");
const lab = join(root, "config/examples/lab");

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh (it builds the binary) before the tests`);
});

async function runUntilExit(args: string[], prefix: string[] = []): Promise<{ code: number | null; ms: number; stderr: string }> {
  const t0 = Date.now();
  const p = Bun.spawn([...prefix, bin, "run", "--envoy", "/nonexistent/envoy", "--log-format", "text", ...args, lab], { stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => p.kill("SIGKILL"), 10_000);
  const code = await p.exited;
  clearTimeout(killer);
  return { code: p.signalCode ? null : code, ms: Date.now() - t0, stderr: await new Response(p.stderr).text() };
}

async function ports(): Promise<string[]> {
  return ["--health-address", `127.0.0.1:${await freePort()}`, "--admin-address", `127.0.0.1:${await freePort()}`];
}

describe("a failed start-up exits", () => {
  test("the xDS socket's folder is a regular file: exit 1 in < 5 s naming xds.socket and --xds-socket; the health port is freed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eg-fail-"));
    writeFileSync(join(dir, "file"), "");
    const p = await ports();
    const r = await runUntilExit([...p, "--xds-socket", join(dir, "file/xds.sock")]);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(5000);
    expect(r.stderr).toContain(`edgegate run: xds.socket: cannot create ${join(dir, "file/xds.sock")}: a part of its folder`);
    expect(r.stderr).toContain("--xds-socket");
    // What had started (the health and admin servers) was stopped: the port can be bound again.
    const again = Bun.serve({ hostname: "127.0.0.1", port: Number(p[1]!.split(":")[1]), fetch: () => new Response("") });
    again.stop(true);
  }, 15_000);

  test("a second instance on the same xDS socket: exit 1 naming the socket in use; the first keeps running", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eg-fail-"));
    const sock = join(dir, "xds.sock");
    const first = Bun.spawn([bin, "run", "--envoy", "/nonexistent/envoy", ...(await ports()), "--xds-socket", sock, lab], { stdout: "ignore", stderr: "pipe" });
    try {
      const deadline = Date.now() + 5000;
      while (!existsSync(sock) && Date.now() < deadline) await Bun.sleep(20);
      const r = await runUntilExit([...(await ports()), "--xds-socket", sock]);
      expect(r.code).toBe(1);
      expect(r.ms).toBeLessThan(5000);
      expect(r.stderr).toContain(`xds.socket: ${sock} is in use: another edgegate is running with this socket`);
      expect(first.exitCode).toBeNull();
      expect(existsSync(sock)).toBe(true);
    } finally {
      first.kill("SIGTERM");
      await first.exited;
    }
  }, 15_000);

  test("the health port is taken: exit 1 naming health.address and --health-address", async () => {
    const taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    try {
      const dir = mkdtempSync(join(tmpdir(), "eg-fail-"));
      const r = await runUntilExit([
        "--health-address",
        `127.0.0.1:${taken.port}`,
        "--admin-address",
        `127.0.0.1:${await freePort()}`,
        "--xds-socket",
        join(dir, "x.sock"),
      ]);
      expect(r.code).toBe(1);
      expect(r.ms).toBeLessThan(5000);
      expect(r.stderr).toContain(`health.address: cannot listen on 127.0.0.1:${taken.port}: the port is in use by another process`);
      expect(r.stderr).toContain("--health-address");
    } finally {
      taken.stop(true);
    }
  }, 15_000);

  test("SIGTERM while start-up waits for an unreachable Kubernetes API: exits within 5 s", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eg-fail-"));
    const kubeconfig = join(dir, "kubeconfig");
    // Port 1 on loopback: connection refused, so the initial lists retry for ever.
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
    );
    const hp = await freePort();
    writeFileSync(
      join(dir, "edgegate.yaml"),
      `source: {kubernetes: {kubeconfig: ${kubeconfig}}}\nnode: {name: n1}\nxds: {socket: ${join(dir, "x.sock")}}\nhealth: {address: "127.0.0.1:${hp}"}\nadmin: {address: "127.0.0.1:${await freePort()}"}\nenvoy: {path: /nonexistent/envoy}\n`,
    );
    const p = Bun.spawn([bin, "run", "--config", join(dir, "edgegate.yaml")], { stdout: "ignore", stderr: "pipe" });
    const killer = setTimeout(() => p.kill("SIGKILL"), 15_000);
    try {
      while (
        !(await fetch(`http://127.0.0.1:${hp}/livez`).then(
          (r) => r.status === 200,
          () => false,
        ))
      )
        await Bun.sleep(10);
      await Bun.sleep(300);
      const t0 = Date.now();
      p.kill("SIGTERM");
      const code = await p.exited;
      expect(p.signalCode).toBeNull(); // it exited by itself
      expect(Date.now() - t0).toBeLessThan(5000);
      // Today the start-up waits for the initial lists, so the deadline ends it with 1; a start-up
      // that no longer waits for the API would be stopped normally (0). Either way: within 5 s.
      const stderr = await new Response(p.stderr).text();
      expect(code).toBe(stderr.includes("start-up did not finish within 4 s of the signal; exiting") ? 1 : 0);
    } finally {
      clearTimeout(killer);
    }
  }, 30_000);

  // Needs root and setpriv to run the binary as an unprivileged user; a real skip otherwise.
  const asNobody = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
  if (!asNobody) console.warn("!!! SKIPPED: not root with the default /run/edgegate (needs root and /usr/bin/setpriv) !!!");
  test.skipIf(!asNobody)(
    "not root with the default /run/edgegate: exit 1 with the --xds-socket hint",
    async () => {
      const r = await runUntilExit(await ports(), ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]);
      expect(r.code).toBe(1);
      expect(r.ms).toBeLessThan(5000);
      expect(r.stderr).toContain("xds.socket: cannot create /run/edgegate/xds.sock: permission denied (not root?)");
      expect(r.stderr).toContain("--xds-socket $XDG_RUNTIME_DIR/edgegate/xds.sock");
    },
    15_000,
  );
});
