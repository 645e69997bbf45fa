// Start-up of the health/status server: process spawn to the first `GET /livez` 200, from source
// (bun run) and from a `bun build --compile` binary of the same entry. The full `edgegate run`
// figure (target <= 300 ms from the compiled binary) adds config, sources and xDS on top of this.
//   bun bench/startup/server.ts [runs]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../tests/helpers/ports.ts";

const runs = Number(process.argv[2] ?? "20");
const entry = join(import.meta.dir, "serve-status.ts");
const out = join(mkdtempSync(join(tmpdir(), "eg-bench-")), "serve-status");
const build = Bun.spawnSync([process.execPath, "build", "--compile", entry, "--outfile", out], { stdout: "ignore", stderr: "inherit" });
if (build.exitCode !== 0) throw new Error("bun build --compile failed");

async function once(cmd: string[]): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const p = Bun.spawn([...cmd, `127.0.0.1:${port}`, "127.0.0.1:0"], { stdout: "ignore", stderr: "inherit" });
  try {
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/livez`);
        if (r.status === 200) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      if (performance.now() - t0 > 5000) throw new Error("no /livez within 5 s");
      await Bun.sleep(1);
    }
  } finally {
    p.kill("SIGKILL");
    await p.exited;
  }
}

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
for (const [name, cmd] of [
  ["compiled", [out]],
  ["bun run", [process.execPath, entry]],
] as const) {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await once([...cmd]));
  console.log(
    `${name.padEnd(9)} spawn -> /livez 200: p50 ${pct(xs, 0.5).toFixed(1)} ms, p90 ${pct(xs, 0.9).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (${runs} runs)`,
  );
}
