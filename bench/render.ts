// render end to end from the compiled binary, for N generated HTTPRoutes (each 4 rules with path +
// header matches and 2 weighted backends; 1 Gateway with 1,000 hostnames; 500 Services).
//   bun bench/render.ts [N...]        default: 1000 10000 50000; 3 runs each, the median is reported
import { mkdtempSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "./generate.ts";

const root = join(import.meta.dir, "..");
const bin = join(root, "dist/edgegate");
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const ns = sizes.length > 0 ? sizes : [1000, 10000, 50000];
const runs = Number(process.env.RUNS ?? 3);
const dir = mkdtempSync(join(tmpdir(), "edgegate-bench-"));

interface Row {
  n: number;
  mb: number;
  ms: number;
  rssMb: number;
  outMb: number;
}
const rows: Row[] = [];
try {
  for (const n of ns) {
    const file = join(dir, `routes-${n}.yaml`);
    writeFileSync(file, generate({ routes: n, hostnames: 1000, services: 500 }));
    const samples: Array<{ ms: number; rss: number; out: number }> = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const p = Bun.spawnSync([bin, "render", file], { stdout: "pipe", stderr: "pipe" });
      const ms = performance.now() - t0;
      if (p.exitCode !== 0) throw new Error(`render failed for N=${n}: ${p.stderr.toString().slice(0, 500)}`);
      // resourceUsage().maxRSS is in bytes here.
      samples.push({ ms, rss: (p.resourceUsage?.maxRSS ?? 0) / (1024 * 1024), out: p.stdout.length / 1e6 });
    }
    samples.sort((a, b) => a.ms - b.ms);
    const med = samples[Math.floor(samples.length / 2)]!;
    rows.push({ n, mb: statSync(file).size / 1e6, ms: med.ms, rssMb: Math.max(...samples.map((s) => s.rss)), outMb: med.out });
    console.error(`N=${n}: ${med.ms.toFixed(0)} ms, peak RSS ${Math.max(...samples.map((s) => s.rss)).toFixed(0)} MB`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log("| HTTPRoutes | input | render wall time (median of %d) | peak RSS | output |", runs);
console.log("| --- | --- | --- | --- | --- |");
for (const r of rows)
  console.log(`| ${r.n.toLocaleString("en")} | ${r.mb.toFixed(1)} MB | ${(r.ms / 1000).toFixed(2)} s | ${r.rssMb.toFixed(0)} MB | ${r.outMb.toFixed(0)} MB |`);
if (rows.length > 1) {
  const a = rows[0]!;
  const b = rows[rows.length - 1]!;
  const k = Math.log(b.ms / a.ms) / Math.log(b.n / a.n);
  console.log(`\ntime grows as N^${k.toFixed(2)} between N=${a.n} and N=${b.n}`);
}
