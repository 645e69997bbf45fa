// RE2 itself, as Envoy uses it: compile with RE2::Quiet, report RE2's own error, and the program
// size Envoy compares with re2.max_program_size.*. Results are memoised per pattern: the same
// regexes are checked again on every change of the objects that hold them.
import { loadRe2, type Re2Symbols } from "./load.ts";

export type Re2Compiled = { ok: true; programSize: number } | { ok: false; error: string };

export interface Re2 {
  compile(pattern: string): Re2Compiled;
  /** Why `rewrite` is not a valid substitution for `pattern` (RE2::CheckRewriteString), or undefined. */
  rewriteError(pattern: string, rewrite: string): string | undefined;
  /** RE2::PartialMatch: whether the pattern matches anywhere in text (undefined: invalid pattern). */
  partialMatch(pattern: string, text: string): boolean | undefined;
}

const ERR_LEN = 512;
const MEMO_MAX = 20_000;

class NativeRe2 implements Re2 {
  private readonly err = Buffer.alloc(ERR_LEN);
  private readonly memo = new Map<string, Re2Compiled>();
  constructor(private readonly lib: Re2Symbols) {}

  compile(pattern: string): Re2Compiled {
    const hit = this.memo.get(pattern);
    if (hit) return hit;
    const p = Buffer.from(pattern, "utf8");
    this.err[0] = 0;
    const rc = this.lib.edgegate_re2_check(p, p.length, this.err, ERR_LEN);
    const out: Re2Compiled = rc > 0 ? { ok: true, programSize: rc } : { ok: false, error: this.errorText() };
    if (this.memo.size >= MEMO_MAX) this.memo.clear();
    this.memo.set(pattern, out);
    return out;
  }

  rewriteError(pattern: string, rewrite: string): string | undefined {
    const p = Buffer.from(pattern, "utf8");
    const w = Buffer.from(rewrite, "utf8");
    this.err[0] = 0;
    const rc = this.lib.edgegate_re2_check_rewrite(p, p.length, w, w.length, this.err, ERR_LEN);
    return rc === 1 ? undefined : this.errorText();
  }

  partialMatch(pattern: string, text: string): boolean | undefined {
    const p = Buffer.from(pattern, "utf8");
    const t = Buffer.from(text, "utf8");
    const rc = this.lib.edgegate_re2_partial_match(p, p.length, t, t.length);
    return rc < 0 ? undefined : rc === 1;
  }

  private errorText(): string {
    const end = this.err.indexOf(0);
    return this.err.toString("utf8", 0, end < 0 ? ERR_LEN : end) || "RE2 rejected the pattern";
  }
}

let cached: Re2 | { unavailable: string } | undefined;

/** RE2, loaded once per process; or why it is unavailable (the caller must say so, not pass). */
export function re2(): Re2 | { unavailable: string } {
  if (cached) return cached;
  const lib = loadRe2();
  cached = "unavailable" in lib ? lib : new NativeRe2(lib);
  return cached;
}
