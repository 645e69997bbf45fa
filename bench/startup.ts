// Start-up of the compiled binary: `edgegate run` until /livez answers 200, and until the first
// snapshot is published (from the "configuration published" log line), on the example config and
// on N generated HTTPRoutes.   bun bench/startup.ts [RUNS] [N]
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "./generate.ts";
import { freePort } from "../tests/helpers/ports.ts";

const root = join(import.meta.dir, "..");
const bin = join(root, "dist/edgegate");
const runs = Number(process.argv[2] ?? 10);
const big = Number(process.argv[3] ?? 10000);

async function once(inputs: string, dir: string): Promise<{ livez: number; snapshot: number; rss: number }> {
  const hp = await freePort();
  const ap = await freePort();
  const cfg = join(dir, "edgegate.yaml");
  writeFileSync(
    cfg,
    `source: {paths: [${inputs}]}\nxds: {socket: ${join(dir, "xds.sock")}}\nhealth: {address: "127.0.0.1:${hp}"}\nadmin: {address: "127.0.0.1:${ap}"}\nenvoy: {path: /nonexistent/envoy, drainSeconds: 0}\nexposure: {bindAddress: 127.0.0.1}\n`,
  );
  const t0 = performance.now();
  const p = Bun.spawn([bin, "run", "--config", cfg], { stdout: "ignore", stderr: "pipe" });
  let snapshot = 0;
  const reader = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of p.stderr) if (!snapshot && dec.decode(chunk).includes('"configuration published"')) snapshot = performance.now() - t0;
  })();
  let livez = 0;
  while (!livez) {
    try {
      if ((await fetch(`http://127.0.0.1:${hp}/livez`)).status === 200) livez = performance.now() - t0;
    } catch {
      await Bun.sleep(1);
    }
  }
  while (!snapshot && performance.now() - t0 < 60_000) await Bun.sleep(2);
  await Bun.sleep(200);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(await Bun.file(`/proc/${p.pid}/status`).text())?.[1] ?? 0) / 1024;
  p.kill("SIGTERM");
  await p.exited;
  await reader.catch(() => {});
  return { livez, snapshot, rss };
}

const dir = mkdtempSync(join(tmpdir(), "edgegate-startup-"));
try {
  cpSync(join(root, "config/examples/lab"), join(dir, "lab"), { recursive: true });
  writeFileSync(join(dir, "big.yaml"), generate({ routes: big, hostnames: 1000, services: 500 }));
  for (const [label, inputs, count] of [
    ["example config", join(dir, "lab"), runs],
    [`${big} HTTPRoutes`, join(dir, "big.yaml"), 3],
  ] as const) {
    const rs: Array<{ livez: number; snapshot: number; rss: number }> = [];
    for (let i = 0; i < count; i++) rs.push(await once(inputs, dir));
    const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `${label}: run -> /livez 200 median ${med(rs.map((r) => r.livez)).toFixed(0)} ms (max ${Math.max(...rs.map((r) => r.livez)).toFixed(0)}), -> first snapshot published ${med(rs.map((r) => r.snapshot)).toFixed(0)} ms, RSS after it ${med(rs.map((r) => r.rss)).toFixed(0)} MiB (${count} runs)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
