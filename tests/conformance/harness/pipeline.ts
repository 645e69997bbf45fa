// Loads edgegate's loader and pipeline by module path, so the harness runs (and says loudly what
// it skipped) before the pipeline exists. Types are declared here for the same reason: the
// harness only relies on the documented contract, not on src/ internals.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { KubeObjectLike } from "./objects.ts";
import type { StatusEntry } from "./status-model.ts";

const SRC = resolve(import.meta.dir, "../../../src");

export interface StoredObjectLike {
  key: string;
  object: KubeObjectLike;
  origin: unknown;
}

export interface ProblemLike {
  file: string;
  line: number;
  message: string;
  path?: string;
}

export interface CompileResult {
  problems: ProblemLike[];
  status: StatusEntry[];
  renderJson: unknown;
}

export interface Pipeline {
  /** Parses one YAML text (in memory) into stored objects. */
  parse(file: string, text: string): { objects: StoredObjectLike[]; problems: ProblemLike[] };
  compile(objects: StoredObjectLike[], config: unknown): CompileResult;
  defaultConfig(hostname: string): Record<string, unknown>;
}

type Fn = (...args: never[]) => unknown;
const isFn = (v: unknown): v is Fn => typeof v === "function";

/** Returns the pipeline, or why it cannot be loaded yet. */
export async function loadPipeline(): Promise<Pipeline | { missing: string }> {
  const paths = {
    parse: `${SRC}/sources/files/parse.ts`,
    compile: `${SRC}/pipeline/compile.ts`,
    json: `${SRC}/xds/json.ts`,
    config: `${SRC}/config/types.ts`,
  };
  for (const [k, p] of Object.entries(paths)) if (!existsSync(p)) return { missing: `${k}: ${p} does not exist yet` };
  const [parseMod, compileMod, jsonMod, configMod] = (await Promise.all([
    import(paths.parse),
    import(paths.compile),
    import(paths.json),
    import(paths.config),
  ])) as Record<string, unknown>[];
  const parseFile = parseMod?.parseFile;
  const compile = compileMod?.compile;
  const xdsToJson = jsonMod?.xdsToJson;
  const defaultConfig = configMod?.defaultConfig;
  if (!isFn(parseFile) || !isFn(compile) || !isFn(xdsToJson) || !isFn(defaultConfig))
    return { missing: "parseFile / compile / xdsToJson / defaultConfig not exported under the expected names" };
  return {
    parse: (file, text) => (parseFile as unknown as (f: string, t: string) => { objects: StoredObjectLike[]; problems: ProblemLike[] })(file, text),
    compile: (objects, config) => {
      const r = (
        compile as unknown as (a: { objects: StoredObjectLike[]; config: unknown }) => { problems?: ProblemLike[]; status?: StatusEntry[]; xds: unknown }
      )({ objects, config });
      return { problems: r.problems ?? [], status: r.status ?? [], renderJson: (xdsToJson as unknown as (x: unknown) => unknown)(r.xds) };
    },
    defaultConfig: (h) => (defaultConfig as unknown as (h: string) => Record<string, unknown>)(h),
  };
}
