// What every datapath benchmark sets up and tears down: its C load generator compiled into a
// scratch folder, a pair of network namespaces, a bpffs folder for its pins, and the processes it
// starts; all removed by done(), also on SIGINT/SIGTERM.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanupPins } from "../../src/datapath/pins.ts";
import { type Lines, type Pair, createPair } from "../../tests/datapath/netns.ts";

export interface BenchLab {
  /** The compiled load generator. */
  tool: string;
  bpffs: string;
  pair: Pair;
  /** Processes to kill at the end. */
  procs: Lines[];
  done(): void;
}

/** `name` names the scratch folder and pins; `source` is a C file beside this one; `tag` the namespaces. */
export function openBenchLab(name: string, source: string, tag: string): BenchLab {
  const dir = mkdtempSync(join(tmpdir(), `eg-${name}-`));
  const tool = join(dir, source.replace(/\.c$/, ""));
  const cc = spawnSync("clang", ["-O2", "-Wall", "-pthread", join(import.meta.dir, source), "-o", tool], { encoding: "utf8" });
  if (cc.status !== 0) throw new Error(cc.stderr);
  const bpffs = `/sys/fs/bpf/edgegate-${name}-${process.pid}`;
  const pair = createPair(tag);
  const procs: Lines[] = [];
  const done = (): void => {
    for (const p of procs) p.child.kill("SIGKILL");
    try {
      cleanupPins(bpffs);
    } catch {
      // best effort
    }
    pair.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const)
    process.on(sig, () => {
      done();
      process.exit(130);
    });
  return { tool, bpffs, pair, procs, done };
}
