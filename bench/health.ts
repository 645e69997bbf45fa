// /healthz under load with a large configuration loaded: the compiled binary on N generated
// HTTPRoutes (default 50,000), C concurrent keep-alive clients for S seconds on loopback.
// The verdict is kept up to date when its inputs change, so the rate must not depend on N.
// For comparison, the same load on /status, which still builds the whole document per request.
//   bun bench/health.ts [N=50000] [C=20] [S=5]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "./generate.ts";
import { freePort } from "../tests/helpers/ports.ts";

const root = join(import.meta.dir, "..");
const bin = join(root, "dist/edgegate");
const routes = Number(process.argv[2] ?? 50_000);
const concurrency = Number(process.argv[3] ?? 20);
const seconds = Number(process.argv[4] ?? 5);

async function load(url: string, secs: number): Promise<{ rate: number; p50: number; p99: number; statuses: Record<number, number> }> {
  const lat: number[] = [];
  const statuses: Record<number, number> = {};
  const end = performance.now() + secs * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      const r = await fetch(url);
      await r.arrayBuffer();
      lat.push(performance.now() - t);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const took = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { rate: lat.length / took, p50: lat[Math.floor(lat.length * 0.5)] ?? 0, p99: lat[Math.floor(lat.length * 0.99)] ?? 0, statuses };
}

const dir = mkdtempSync(join(tmpdir(), "edgegate-bench-health-"));
try {
  writeFileSync(join(dir, "routes.yaml"), generate({ routes, hostnames: 1000, services: 500 }));
  const hp = await freePort();
  const ap = await freePort();
  const cfg = join(dir, "edgegate.yaml");
  writeFileSync(
    cfg,
    `source: {paths: [${join(dir, "routes.yaml")}]}\nxds: {socket: ${join(dir, "run/xds.sock")}}\nhealth: {address: "127.0.0.1:${hp}"}\nadmin: {address: "127.0.0.1:${ap}"}\nenvoy: {path: /nonexistent/envoy, drainSeconds: 0}\nexposure: {bindAddress: 127.0.0.1}\nlog: {level: warn}\n`,
  );
  const p = Bun.spawn([bin, "run", "--config", cfg], { stdout: "ignore", stderr: "inherit" });
  const t0 = performance.now();
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${hp}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 180_000) throw new Error("not ready after 180 s");
    await Bun.sleep(100);
  }
  console.log(
    `${routes} HTTPRoutes loaded and published in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${concurrency} concurrent clients, ${seconds} s each`,
  );
  await load(`http://127.0.0.1:${hp}/healthz`, 1); // warm-up
  const h = await load(`http://127.0.0.1:${hp}/healthz`, seconds);
  console.log(`/healthz: ${Math.round(h.rate)} req/s, p50 ${h.p50.toFixed(2)} ms, p99 ${h.p99.toFixed(2)} ms, statuses ${JSON.stringify(h.statuses)}`);
  const r = await load(`http://127.0.0.1:${hp}/readyz`, seconds);
  console.log(`/readyz:  ${Math.round(r.rate)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, statuses ${JSON.stringify(r.statuses)}`);
  const s = await load(`http://127.0.0.1:${ap}/status`, Math.min(seconds, 3));
  console.log(`/status (the whole document per request, for comparison): ${s.rate.toFixed(1)} req/s, p50 ${s.p50.toFixed(1)} ms`);
  p.kill("SIGTERM");
  await p.exited;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
