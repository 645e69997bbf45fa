// A lab for the lifecycle tests of the compiled binary: a scratch folder, an appliance config whose
// Envoy is the Envoy *process* double (tests/doubles/envoy-process-double.py: admin API, listen
// sockets, hot restart; no xDS, no routing), a way to start dist/edgegate on it, to read its
// /status, and a client that opens a new connection every 10 ms to the double's listen socket.
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../helpers/ports.ts";
import type { StatusDocument } from "../../src/server/apps.ts";

const root = join(import.meta.dir, "../..");
export const bin = join(root, "dist/edgegate");
const double = join(root, "tests/doubles/envoy-process-double.py");

export interface Lab {
  dir: string;
  configPath: string;
  eventsFile: string;
  listenPort: number;
  adminUrl: string;
  envoyPath: string;
  /** Rewrites the config with a change to the envoy section (a new bootstrap). */
  setEnvoy(patch: Record<string, unknown>): void;
  start(extraArgs?: string[]): Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** The environment the Envoy double needs (its listen socket and event file). */
  env: Record<string, string | undefined>;
  status(): Promise<StatusDocument | undefined>;
  waitStatus(what: string, pred: (s: StatusDocument) => boolean, ms?: number): Promise<StatusDocument>;
  events(): Array<{ event: string; pid: number; epoch: number; t: number }>;
}

export async function lab(): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), "edgegate-lifecycle-"));
  const envoyPath = join(dir, "envoy");
  const writeWrapper = (tag: string): void => {
    writeFileSync(envoyPath, `#!/bin/sh\n# ${tag}\nexec /usr/bin/python3 "${double}" "$@"\n`);
    chmodSync(envoyPath, 0o755);
  };
  writeWrapper("v1");
  const [listenPort, healthPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const eventsFile = join(dir, "events.jsonl");
  const configPath = join(dir, "edgegate.yaml");
  let envoy: Record<string, unknown> = { path: envoyPath, adminAddress: `unix://${join(dir, "envoy-admin.sock")}`, drainSeconds: 0 };
  const write = (): void =>
    writeFileSync(
      configPath,
      JSON.stringify({
        node: { name: "lab-node" },
        source: { paths: [join(root, "config/examples/lab")] },
        envoy,
        xds: { socket: join(dir, "run/xds.sock") },
        health: { address: `127.0.0.1:${healthPort}` },
        admin: { address: `127.0.0.1:${adminPort}` },
        log: { level: "info", format: "json" },
      }),
    );
  write();
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const status = async (): Promise<StatusDocument | undefined> => {
    try {
      const r = await fetch(`${adminUrl}/status`, { signal: AbortSignal.timeout(1000) });
      return (await r.json()) as StatusDocument;
    } catch {
      return undefined;
    }
  };
  return {
    dir,
    configPath,
    eventsFile,
    listenPort,
    adminUrl,
    envoyPath,
    setEnvoy(patch) {
      envoy = { ...envoy, ...patch };
      write();
    },
    start(extraArgs = []) {
      return Bun.spawn([bin, "run", "--config", configPath, ...extraArgs], {
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        env: { ...process.env, FAKE_ENVOY_LISTEN: `127.0.0.1:${listenPort}`, FAKE_ENVOY_EVENTS: eventsFile },
      });
    },
    env: { ...process.env, FAKE_ENVOY_LISTEN: `127.0.0.1:${listenPort}`, FAKE_ENVOY_EVENTS: eventsFile },
    status,
    async waitStatus(what, pred, ms = 10_000) {
      const deadline = Date.now() + ms;
      let last: StatusDocument | undefined;
      while (Date.now() < deadline) {
        last = await status();
        if (last && pred(last)) return last;
        await Bun.sleep(25);
      }
      throw new Error(`timed out waiting for ${what}; last envoy state: ${JSON.stringify(last?.envoy)}`);
    },
    events() {
      if (!existsSync(eventsFile)) return [];
      return readFileSync(eventsFile, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { event: string; pid: number; epoch: number; t: number });
    },
  };
}

/** Swaps the Envoy binary for a new file (new inode and content), as a package upgrade does. */
export function upgradeEnvoyBinary(l: Lab): void {
  const text = readFileSync(l.envoyPath, "utf8").replace(/# .*\n/, `# upgraded ${Date.now()}\n`);
  const tmp = `${l.envoyPath}.new`;
  writeFileSync(tmp, text);
  chmodSync(tmp, 0o755);
  // rename: a new inode, like dpkg installs files
  renameSync(tmp, l.envoyPath);
}

export interface ClientReport {
  ok: number;
  failed: string[];
  /** "epoch E pid P" answers, counted. */
  answers: Map<string, number>;
}

/** A new TCP connection every 10 ms; each must be accepted and answered. */
export function connectEvery10ms(port: number): { stop(): Promise<ClientReport> } {
  const report: ClientReport = { ok: 0, failed: [], answers: new Map() };
  const inflight = new Set<Promise<void>>();
  const one = (): Promise<void> =>
    new Promise<void>((resolve) => {
      let got = "";
      let settled = false;
      const settle = (err?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const line = got.trim();
        if (!err && /^epoch \d+ pid \d+$/.test(line)) {
          report.ok++;
          report.answers.set(line, (report.answers.get(line) ?? 0) + 1);
        } else report.failed.push(err ?? `bad answer ${JSON.stringify(got)}`);
        resolve();
      };
      const timer = setTimeout(() => settle("timeout after 3 s"), 3000);
      Bun.connect({
        hostname: "127.0.0.1",
        port,
        socket: {
          data(_s, d) {
            got += d.toString();
          },
          close() {
            settle();
          },
          error(_s, e) {
            settle(String(e));
          },
          connectError(_s, e) {
            settle(`connect: ${String(e)}`);
          },
        },
      }).catch((e: unknown) => settle(`connect: ${String(e)}`));
    });
  const timer = setInterval(() => {
    const p = one();
    inflight.add(p);
    void p.then(() => inflight.delete(p));
  }, 10);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...inflight]);
      return report;
    },
  };
}
