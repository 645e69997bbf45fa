// RE2 patterns (Envoy's safe_regex / google_re2 engine) run with JavaScript's RegExp.
//
// The patterns Gateway API translations produce (path and header RegularExpression matches,
// rewrite patterns) use the common subset, where RE2 and ECMAScript agree. The syntax that differs
// is rewritten here; anything RE2 rejects that JavaScript would accept (backreferences, lookaround)
// is refused so a translation that emits it is reported instead of silently "working" offline.

export class Re2SyntaxError extends Error {}

function translate(re: string): { source: string; flags: string } {
  let flags = "";
  let source = re;
  // A leading inline flag group `(?i)` (RE2 also allows s, m, U; U has no JS equivalent).
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    const f = lead[1]!;
    if (f.includes("U")) throw new Re2SyntaxError(`RE2 flag U (ungreedy) is not supported offline: ${re}`);
    flags += f;
    source = source.slice(lead[0].length);
  }
  if (/\(\?<?[=!]/.test(source)) throw new Re2SyntaxError(`RE2 has no lookaround: ${re}`);
  if (/\\[1-9]/.test(source)) throw new Re2SyntaxError(`RE2 has no backreferences: ${re}`);
  source = source
    .replace(/\(\?P</g, "(?<") // named groups
    .replace(/\\A/g, "^")
    .replace(/\\z/g, "$");
  return { source, flags };
}

const cache = new Map<string, RegExp>();

/** RE2 full match: Envoy's safe_regex requires the entire input to match, never a subsequence. */
export function re2FullMatch(re: string, input: string): boolean {
  let rx = cache.get(re);
  if (!rx) {
    const t = translate(re);
    rx = new RegExp(`^(?:${t.source})$`, t.flags);
    cache.set(re, rx);
  }
  return rx.test(input);
}

/**
 * RE2::GlobalReplace, which Envoy uses for regex_rewrite: every non-overlapping match is replaced;
 * `\N` in the substitution is capture group N (`\0` the whole match).
 */
export function re2GlobalReplace(re: string, input: string, substitution: string): string {
  const t = translate(re);
  const rx = new RegExp(t.source, t.flags + "g");
  const groupCount = new RegExp(`${t.source}|`, t.flags).exec("")!.length - 1;
  return input.replace(rx, (...args: unknown[]) => {
    const groups = args.slice(0, 1 + groupCount);
    return substitution.replace(/\\(\d)|\\\\/g, (_m: string, d: string | undefined) => {
      if (d === undefined) return "\\";
      const g = groups[Number(d)];
      return typeof g === "string" ? g : "";
    });
  });
}
