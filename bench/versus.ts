// `render` or `validate` of N generated HTTPRoutes, this build (dist/edgegate) against another
// binary (an older commit's build), whole processes, runs alternated in pairs: the ratio is taken
// pair by pair, so a machine whose speed drifts (other work on 2 cores) moves both sides alike.
//   bun bench/versus.ts OTHER_BINARY [render|validate] [N]     default: render 10000; PAIRS=15
// Prints the median of the per-pair ratios (this / other) of CPU (user + system, from the OS's
// accounting of the finished child) and wall time, the medians of each side, and the peak RSS.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "./generate.ts";

const [other, command = "render", nArg = "10000"] = process.argv.slice(2);
if (!other || (command !== "render" && command !== "validate")) {
  console.error("usage: bun bench/versus.ts OTHER_BINARY [render|validate] [N]");
  process.exit(2);
}
const bin = join(import.meta.dir, "..", "dist/edgegate");
const pairs = Number(process.env.PAIRS ?? 15);
const n = Number(nArg);
const dir = mkdtempSync(join(tmpdir(), "edgegate-versus-"));

interface Run {
  cpu: number;
  wall: number;
  rssMb: number;
}

async function once(binary: string, file: string): Promise<Run> {
  const t0 = performance.now();
  // Output is read as it comes and dropped, as a pipe to another program would take it. Not
  // buffered here: a child's peak RSS as the OS reports it counts what it shared with this process
  // when it was forked, so this process stays small (spawnSync kept 37 MB of output per run).
  const p = Bun.spawn([binary, command!, file], { stdout: "pipe", stderr: "pipe" });
  for await (const _ of p.stdout) {
    // dropped
  }
  const stderr = await new Response(p.stderr).text();
  const code = await p.exited;
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${binary} ${command} exited ${code}: ${stderr.slice(0, 300)}`);
  const ru = p.resourceUsage()!;
  return { cpu: Number(ru.cpuTime.user + ru.cpuTime.system) / 1e6, wall, rssMb: ru.maxRSS / (1024 * 1024) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
  const file = join(dir, `routes-${n}.yaml`);
  writeFileSync(file, generate({ routes: n, hostnames: 1000, services: 500 }));
  // One warm-up each (page cache, binary mapped), not counted.
  await once(bin, file);
  await once(other, file);
  const mine: Run[] = [];
  const theirs: Run[] = [];
  for (let i = 0; i < pairs; i++) {
    mine.push(await once(bin, file));
    theirs.push(await once(other, file));
  }
  const ratio = (k: "cpu" | "wall"): string => median(mine.map((m, i) => m[k] / theirs[i]![k])).toFixed(3);
  const side = (rs: Run[]): string =>
    `CPU ${median(rs.map((r) => r.cpu)).toFixed(2)} s, wall ${median(rs.map((r) => r.wall)).toFixed(2)} s, peak RSS ${Math.max(...rs.map((r) => r.rssMb)).toFixed(0)} MB`;
  console.log(`${command}, ${n.toLocaleString("en")} HTTPRoutes, ${pairs} pairs: this/other CPU ${ratio("cpu")}x, wall ${ratio("wall")}x`);
  console.log(`  this:  ${side(mine)}`);
  console.log(`  other: ${side(theirs)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
