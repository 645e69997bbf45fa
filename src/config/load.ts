// Reads config/edgegate.yaml. The defaults double as the schema: a key the defaults do not have is
// an error (a typo must not silently fall back to a default), and each value must have the
// default's type. Problems are reported as FILE:LINE: field.path: message. The result carries the
// typed configuration too (src/config/check.ts parses the listen addresses, once).
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { lineOf, parseYamlFile } from "../yaml/documents.ts";
import { formatPath, type Problem } from "../validate/problems.ts";
import { isObj } from "../yaml/value.ts";
import { defaultConfigFile, type ApplianceConfigDraft, type ApplianceConfigFile } from "./types.ts";
import { checkConfig } from "./check.ts";

/** Maps whose keys are the user's (labels, node ports): any key allowed, values typed. */
const maps: Record<string, "string" | "number"> = {
  "node.labels": "string",
  "nodes.matchLabels": "string",
  "exposure.nodePorts": "number",
};
/** Optional sections that have no default. */
const optional: Record<string, Record<string, unknown>> = {
  "source.kubernetes": {
    kubeconfig: "",
    inCluster: false,
    context: "",
    leaseNamespace: "",
    leaseName: "edgegate-status",
    leaseDurationSeconds: 15,
    statusQps: 200,
  },
};

export interface ConfigLoad {
  /** The file over the defaults, as the file spells it. */
  config: ApplianceConfigFile;
  problems: Problem[];
  /**
   * The typed configuration, when there is no problem. Still a draft: the command line's flags
   * override it before it is handed to what runs.
   */
  typed?: ApplianceConfigDraft;
}

type Path = Array<string | number>;

function merge(
  into: Record<string, unknown>,
  from: Record<string, unknown>,
  schema: Record<string, unknown>,
  path: Path,
  report: (p: Path, m: string) => void,
): void {
  for (const [k, v] of Object.entries(from)) {
    const p = [...path, k];
    const key = p.join(".");
    const def = schema[k];
    if (maps[key]) {
      if (!isObj(v)) {
        report(p, "must be a map");
        continue;
      }
      for (const [mk, mv] of Object.entries(v)) if (typeof mv !== maps[key]) report([...p, mk], `must be a ${maps[key]}`);
      into[k] = v;
      continue;
    }
    if (optional[key]) {
      if (!isObj(v)) {
        report(p, "must be a map");
        continue;
      }
      const sub: Record<string, unknown> = { ...optional[key] };
      merge(sub, v, optional[key]!, p, report);
      into[k] = sub;
      continue;
    }
    if (def === undefined) {
      report(p, `unknown setting (known: ${Object.keys(schema).join(", ")})`);
      continue;
    }
    if (Array.isArray(def)) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) report(p, "must be a list of strings");
      else into[k] = v;
    } else if (isObj(def)) {
      if (!isObj(v)) report(p, "must be a map");
      else merge(into[k] as Record<string, unknown>, v, def, p, report);
    } else if (typeof v !== typeof def) {
      report(p, `must be a ${typeof def} (got ${JSON.stringify(v)})`);
    } else into[k] = v;
  }
}

export function parseConfig(file: string, text: string): ConfigLoad {
  const config = defaultConfigFile(hostname());
  const problems: Problem[] = [];
  let typed: ApplianceConfigDraft | undefined;
  const parsed = parseYamlFile(file, text);
  for (const e of parsed.errors) problems.push({ file, line: e.line, message: e.message });
  const doc = parsed.documents[0];
  if (parsed.documents.length > 1) problems.push({ file, line: parsed.documents[1]!.line, message: "the configuration must be a single YAML document" });
  if (doc && doc.value !== null) {
    if (!isObj(doc.value)) problems.push({ file, line: doc.line, message: "the configuration must be a map of settings" });
    else {
      const report = (p: Path, message: string): void => void problems.push({ file, line: lineOf(doc, p), path: formatPath(p), message });
      merge(config as unknown as Record<string, unknown>, doc.value, defaultConfigFile("") as unknown as Record<string, unknown>, [], report);
    }
  }
  // Input paths are relative to the config file, like other daemons' include paths.
  const base = dirname(resolve(file));
  config.source.paths = config.source.paths.map((p) => (isAbsolute(p) ? p : resolve(base, p)));
  if (config.source.kubernetes?.kubeconfig) config.source.kubernetes.kubeconfig = resolve(base, config.source.kubernetes.kubeconfig);
  if (problems.length === 0) {
    const checked = checkConfig(config);
    // An empty file sets nothing to point at: the command line may still give the inputs (run
    // checks the result after its flags).
    if (doc && isObj(doc.value))
      for (const c of checked.problems) problems.push({ file, line: lineOf(doc, c.path), path: formatPath(c.path), message: c.message });
    if (problems.length === 0) typed = checked.config;
  }
  return typed ? { config, problems, typed } : { config, problems };
}

export function loadConfig(file: string): ConfigLoad {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { config: defaultConfigFile(hostname()), problems: [{ file, line: 0, message: code === "ENOENT" ? "no such file" : (e as Error).message }] };
  }
  return parseConfig(file, text);
}
