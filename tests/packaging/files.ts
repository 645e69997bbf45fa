// Readers for the packaging files the tests compare: systemd units, the Containerfile, the
// Kubernetes manifests. Small on purpose: each understands only the syntax these files use.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

export const root = join(import.meta.dir, "../..");
export const read = (path: string): string => readFileSync(join(root, path), "utf8");

/** A systemd unit or drop-in: section -> key -> every value given (keys may repeat). */
export type Unit = Map<string, Map<string, string[]>>;

export function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head?.[1]) {
      section = head[1];
      if (!unit.has(section)) unit.set(section, new Map());
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new Error(`not a unit line: ${line}`);
    const keys = unit.get(section) ?? new Map<string, string[]>();
    unit.set(section, keys);
    const key = line.slice(0, eq);
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
  }
  return unit;
}

/** The last value of a key (what systemd uses for single-valued settings). */
export function setting(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

/** A space-separated list setting (capabilities), as a sorted set of names. */
export function listSetting(unit: Unit, section: string, key: string): string[] {
  return [...new Set((unit.get(section)?.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter((v) => v !== ""))].sort();
}

/** Containerfile instructions of the final stage (after the last FROM), continuation lines joined. */
export function finalStage(text: string): { instruction: string; args: string }[] {
  const joined = text.replace(/\\\n/g, " ");
  const lines = joined
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const steps = lines.map((l) => {
    const m = /^(\S+)\s+(.*)$/.exec(l);
    return { instruction: (m?.[1] ?? l).toUpperCase(), args: m?.[2] ?? "" };
  });
  const lastFrom = steps.map((s) => s.instruction).lastIndexOf("FROM");
  return steps.slice(lastFrom);
}

/** Every Kubernetes object of a multi-document YAML file. */
export function objects(path: string): Record<string, unknown>[] {
  return parseAllDocuments(read(path))
    .map((d) => d.toJS() as Record<string, unknown>)
    .filter((o) => o !== null);
}
