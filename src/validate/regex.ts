// Regular expressions are checked with RE2 itself (src/re2/), the engine Envoy compiles them with:
// syntax and repetition limits exactly as RE2 answers, and the program size Envoy compares with
// re2.max_program_size.error_level. One regex Envoy refuses would NACK the whole RouteConfiguration
// of its listener, so it is refused here, on its own object.
import type { FieldPath } from "../yaml/documents.ts";
import type { Reporter } from "./problems.ts";
import { re2 } from "../re2/re2.ts";
import { RE2_MAX_PROGRAM_SIZE } from "./regex-limit.ts";

/** Messages quote at most this much of a user's value. */
const QUOTE_MAX = 100;
const clip = (s: string): string => (s.length > QUOTE_MAX ? `${s.slice(0, QUOTE_MAX)}…` : s);

/** Why Envoy would refuse the regex, or undefined when it would accept it. */
export function regexProblem(regex: string): string | undefined {
  if (regex === "") return "must not be empty (Envoy requires a non-empty regex)";
  const engine = re2();
  // Without RE2 nothing can vouch for the regex: refuse it (the previous version stays in force)
  // and say why, rather than let one bad regex make Envoy NACK every route of the listener.
  if ("unavailable" in engine) return `cannot be checked: ${engine.unavailable}`;
  const c = engine.compile(regex);
  if (!c.ok) return `invalid regular expression: ${clip(c.error)}`;
  if (c.programSize > RE2_MAX_PROGRAM_SIZE) {
    return `regular expression too large: its RE2 program size is ${c.programSize}, above edgegate's limit of ${RE2_MAX_PROGRAM_SIZE} (Envoy's re2.max_program_size.error_level); simplify it or split it across matches`;
  }
  return undefined;
}

/** Reports a regex Envoy would refuse at `p`. */
export function checkRegex(r: Reporter, regex: string, p: FieldPath): void {
  const why = regexProblem(regex);
  if (why !== undefined) r.error(p, why);
}

/**
 * GRPCRoute RegularExpression method matches: each part is checked where it is written, then the
 * path regex edgegate builds from them (src/gateway/http-rules.ts: `/SERVICE/METHOD`, `[^/]+`
 * for a missing part), whose program size is what Envoy measures.
 */
export function checkGrpcMethodRegex(r: Reporter, service: string | undefined, method: string | undefined, p: FieldPath): void {
  const svcWhy = service !== undefined ? regexProblem(service) : undefined;
  const methWhy = method !== undefined ? regexProblem(method) : undefined;
  if (svcWhy !== undefined) r.error([...p, "service"], svcWhy);
  if (methWhy !== undefined) r.error([...p, "method"], methWhy);
  if (svcWhy !== undefined || methWhy !== undefined || (service === undefined && method === undefined)) return;
  checkRegex(r, `/${service ?? "[^/]+"}/${method ?? "[^/]+"}`, p);
}
