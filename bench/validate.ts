// Input handling costs (issue 10):
//  1. `validate` time for one HTTPRoute with P problems (P bad rules): must grow linearly.
//  2. The worst /livez latency while `edgegate run` ingests a file of N generated HTTPRoutes
//     (polled every 10 ms from start until the first snapshot is published).
//   bun bench/validate.ts [N=100000] [P...=500 1000 2000]   (needs dist/edgegate: bun scripts/build.ts)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "./generate.ts";
import { freePort } from "../tests/helpers/ports.ts";

const root = join(import.meta.dir, "..");
const bin = join(root, "dist/edgegate");
const routes = Number(process.argv[2] ?? 100_000);
const sizes = process.argv.slice(3).map(Number);
const problemCounts = sizes.length > 0 ? sizes : [500, 1000, 2000];
const dir = mkdtempSync(join(tmpdir(), "edgegate-bench-validate-"));

function badRoute(p: number): string {
  const rules = Array.from({ length: p }, (_, i) => `  - matches: [{path: {type: PathPrefix, value: bad${i}}}]\n`).join("");
  return `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: bad\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n${rules}`;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

try {
  console.log("validate, one HTTPRoute with P problems (median of 3, the compiled binary end to end):");
  for (const p of problemCounts) {
    const file = join(dir, `bad-${p}.yaml`);
    writeFileSync(file, badRoute(p));
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = Bun.spawnSync([bin, "validate", "--quiet", file], { stderr: "pipe" });
      times.push(performance.now() - t0);
      if (r.exitCode !== 1) throw new Error(`validate exited ${r.exitCode}: ${r.stderr.toString().slice(0, 300)}`);
    }
    console.log(`  P = ${p}: ${Math.round(median(times))} ms`);
  }

  const inputs = join(dir, "routes.yaml");
  writeFileSync(inputs, generate({ routes, hostnames: 1000, services: 500 }));
  const hp = await freePort();
  const ap = await freePort();
  const cfg = join(dir, "edgegate.yaml");
  writeFileSync(
    cfg,
    `source: {paths: [${inputs}], maxFileBytes: 1073741824}\nxds: {socket: ${join(dir, "xds.sock")}}\nhealth: {address: "127.0.0.1:${hp}"}\nadmin: {address: "127.0.0.1:${ap}"}\nenvoy: {path: /nonexistent/envoy, drainSeconds: 0}\nexposure: {bindAddress: 127.0.0.1}\n`,
  );
  const t0 = performance.now();
  const proc = Bun.spawn([bin, "run", "--config", cfg], { stdout: "ignore", stderr: "pipe" });
  let published = 0;
  void (async () => {
    const dec = new TextDecoder();
    for await (const chunk of proc.stderr) if (!published && dec.decode(chunk).includes('"configuration published"')) published = performance.now() - t0;
  })();
  let up = 0;
  let worst = 0;
  let polls = 0;
  while (!published && performance.now() - t0 < 300_000) {
    const s = performance.now();
    try {
      const r = await fetch(`http://127.0.0.1:${hp}/livez`);
      await r.arrayBuffer();
      if (r.status === 200) {
        if (!up) up = performance.now() - t0;
        worst = Math.max(worst, performance.now() - s);
        polls++;
      }
    } catch {
      // not listening yet
    }
    await Bun.sleep(10);
  }
  proc.kill("SIGTERM");
  await proc.exited;
  console.log(
    `run, ${routes} HTTPRoutes: /livez up after ${Math.round(up)} ms, first snapshot after ${Math.round(published)} ms; worst /livez latency meanwhile ${Math.round(worst)} ms over ${polls} answers`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
