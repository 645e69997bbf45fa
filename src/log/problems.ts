// Input problems as log events: one line when a problem appears, one when it is resolved, none
// while it persists (a recompute re-finds the same problems every time). Each line carries the
// problem as fields (file, line, kind, namespace, name, field, message) and says what it means
// for traffic: an object with an earlier valid version keeps it, a new one is not served, a
// reference problem is served as far as it can be.
import type { Fields, Logger } from "./logger.ts";
import { formatProblem, type Problem } from "../validate/problems.ts";
import type { StoredObject } from "../store/types.ts";
import { refKey } from "../store/types.ts";

export function problemFields(p: Problem): Fields {
  return {
    file: p.file,
    line: p.line || undefined,
    kind: p.object?.kind,
    namespace: p.object?.namespace,
    name: p.object?.name,
    field: p.path,
    message: p.message,
  };
}

/** The objects in force as problemEffect looks them up: built once per report, not per problem. */
export interface InForce {
  keys: ReadonlySet<string>;
  files: ReadonlySet<string>;
}

export function inForceIndex(objects: readonly StoredObject[]): InForce {
  const keys = new Set<string>();
  const files = new Set<string>();
  for (const o of objects) {
    keys.add(o.key);
    if (o.origin.source === "file") files.add(o.origin.file);
  }
  return { keys, files };
}

/** What a problem means for what is served, given the objects in force. */
export function problemEffect(p: Problem, phase: "input" | "reference", inForce: InForce): string {
  if (phase === "reference") return "input problem; served without the part that has the problem";
  if (p.duplicate) return "duplicate input; this copy is ignored, the first definition is served";
  if (p.object) {
    // A namespaced object without a namespace in the file is placed in "default".
    const kept = inForce.keys.has(refKey(p.object)) || (!p.object.namespace && inForce.keys.has(refKey({ ...p.object, namespace: "default" })));
    return kept ? "invalid input; the last good version stays in force" : "invalid input; the object is not served (it has no earlier valid version)";
  }
  return inForce.files.has(p.file) ? "invalid input; the file's last good objects stay in force" : "invalid input; nothing from it is served";
}

export class ProblemLog {
  private open = new Map<string, Problem>();

  constructor(private readonly log: Logger) {}

  /** Logs problems that are new since the last call and those that went away. */
  report(current: ReadonlyArray<{ problem: Problem; phase: "input" | "reference" }>, inForce: readonly StoredObject[]): void {
    const next = new Map<string, Problem>();
    let index: InForce | undefined;
    for (const { problem, phase } of current) {
      const id = formatProblem(problem);
      if (next.has(id)) continue;
      next.set(id, problem);
      if (!this.open.has(id)) this.log.warn(problemEffect(problem, phase, (index ??= inForceIndex(inForce))), problemFields(problem));
    }
    for (const [id, p] of this.open) if (!next.has(id)) this.log.info("input problem resolved", problemFields(p));
    this.open = next;
  }

  get count(): number {
    return this.open.size;
  }
}
