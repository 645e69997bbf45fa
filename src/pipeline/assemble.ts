// The pipeline as every command runs it: the objects in force and the input problems from the
// store, translated (validate, render, run --once) or compiled to xDS (run), and the problems a
// person reads: the input's, then those of valid objects that will not serve, pointed at files.
import type { StoredObject } from "../store/types.ts";
import type { TranslateResult } from "../translate/index.ts";
import type { Problem } from "../validate/problems.ts";
import { withServingProblems } from "../validate/serving.ts";
import type { CompileInput } from "./compile.ts";
import { locate } from "./locate.ts";

export interface AssembleInput extends CompileInput {
  /** The store's problems (parse, validation, duplicates). */
  inputProblems: readonly Problem[];
  /** The store's objects, which problems point at, when `objects` holds some back (src/xds/nack/guard.ts). */
  inForce?: readonly StoredObject[];
  /** Report routes attached to no Gateway edgegate serves (file mode: nobody else will). */
  unclaimed: boolean;
}

export interface Assembled<R> {
  result: R;
  inputProblems: readonly Problem[];
  /** Translation's problems and the not-serving ones, located in their files. */
  referenceProblems: Problem[];
  /** inputProblems, then referenceProblems. */
  problems: Problem[];
}

/** Runs `stage` (translateOnly or compile) on the input, and gathers the problems to report. */
export function assemble<R extends TranslateResult>(input: AssembleInput, stage: (i: CompileInput) => R): Assembled<R> {
  return assembleProblems(input, stage(input));
}

/**
 * The problems of a result `stage` already produced: the running appliance publishes the snapshot
 * first and gathers these after, so a change reaches the clients without waiting for them.
 */
export function assembleProblems<R extends TranslateResult>(input: AssembleInput, result: R): Assembled<R> {
  const objects = input.inForce ?? input.objects;
  // Valid objects that will not serve are problems too (the README's promise for validate).
  const found = withServingProblems(result.problems, result.status, objects, { unclaimed: input.unclaimed });
  // Indexed only when there is something to locate: 10,000 objects on every change otherwise.
  const byKey = found.length > 0 ? new Map<string, StoredObject>(objects.map((o) => [o.key, o])) : undefined;
  const referenceProblems = byKey ? found.map((p) => locate(p, byKey)) : [];
  return { result, inputProblems: input.inputProblems, referenceProblems, problems: [...input.inputProblems, ...referenceProblems] };
}
