// Shared by validate, render and run --once: load input paths, translate, and print problems as
// FILE:LINE: Kind namespace/name: field.path: message.
import { hostname } from "node:os";
import { loadConfig } from "../config/load.ts";
import { defaultConfig, type ApplianceConfig } from "../config/types.ts";
import { loadPaths, type LoadResult } from "../sources/files/load.ts";
import { translateOnly } from "../pipeline/compile.ts";
import { assemble } from "../pipeline/assemble.ts";
import type { TranslateResult } from "../translate/index.ts";
import { formatProblem, type Problem } from "../validate/problems.ts";

export interface Prepared {
  load: LoadResult;
  /** Translation only: each command emits what it needs (validate nothing, render a stream). */
  result: TranslateResult;
  problems: Problem[];
  warnings: Problem[];
}

/**
 * The config for validate/render: --config FILE if given, else the defaults (with
 * --controller-name). Problems are printed; undefined means the command should exit 1.
 */
export function commandConfigOrReport(configFile: string | undefined, controllerName: string | undefined): ApplianceConfig | undefined {
  const c = commandConfig(configFile, controllerName);
  for (const p of c.problems) process.stderr.write(formatProblem(p) + "\n");
  return c.config;
}

function commandConfig(configFile: string | undefined, controllerName: string | undefined): { config?: ApplianceConfig; problems: Problem[] } {
  if (configFile) {
    // The typed form is there exactly when there is no problem.
    const { typed, problems } = loadConfig(configFile);
    if (typed && controllerName) typed.controllerName = controllerName;
    return { config: typed, problems };
  }
  const config = defaultConfig(hostname());
  if (controllerName) config.controllerName = controllerName;
  return { config, problems: [] };
}

/**
 * Inputs of this many objects are followed by one full garbage collection after loading (see
 * prepare). Measured, not derived: JavaScriptCore sizes its young generation from what the last full
 * collection kept, and only in this range did collecting help. At 10,500 objects: render 0.981x
 * eea69ff's wall with it, 1.004x without; validate 0.991x against 1.007x. At 1,500 objects and at
 * 52,500 it cost more than it gave (render 0.929x against 0.910x; 1.05-1.09x against 1.02x: at that
 * size the collection itself takes 140 ms and translation runs slower after it). README.
 */
const collectAfterLoad = { from: 5_000, to: 20_000 };

/** Reads the inputs once (the same file set and store as `run`) and runs the same pipeline, up to translation. */
export async function prepare(paths: readonly string[], config: ApplianceConfig): Promise<Prepared> {
  const load = await loadPaths(paths, config.source.maxFileBytes);
  const n = load.objects.length;
  if (n >= collectAfterLoad.from && n <= collectAfterLoad.to) Bun.gc(true);
  const a = assemble({ objects: load.objects, config, inputProblems: load.problems, unclaimed: true }, translateOnly);
  return { load, result: a.result, problems: a.problems, warnings: load.warnings };
}

export function printProblems(problems: readonly Problem[], warnings: readonly Problem[], quiet = false): void {
  const sorted = [...problems].sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  for (const p of sorted) process.stderr.write(formatProblem(p) + "\n");
  if (!quiet) for (const w of warnings) process.stderr.write(`${formatProblem(w)} (warning)\n`);
}
