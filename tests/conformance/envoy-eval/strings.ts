// envoy.type.matcher.v3.StringMatcher (type/matcher/v3/string.proto).
import type { StringMatcher } from "./types.ts";
import { re2FullMatch } from "./re2.ts";

/**
 * string.proto: exact/prefix/suffix/contains compare the value; `ignore_case` makes them
 * case-insensitive ("This has no effect for the safe_regex match"); safe_regex must match the
 * whole value.
 */
export function stringMatches(m: StringMatcher, value: string): boolean {
  const ic = m.ignoreCase === true;
  const v = ic ? value.toLowerCase() : value;
  const norm = (s: string) => (ic ? s.toLowerCase() : s);
  if (m.exact !== undefined) return v === norm(m.exact);
  if (m.prefix !== undefined) return v.startsWith(norm(m.prefix));
  if (m.suffix !== undefined) return v.endsWith(norm(m.suffix));
  if (m.contains !== undefined) return v.includes(norm(m.contains));
  if (m.safeRegex?.regex !== undefined) return re2FullMatch(m.safeRegex.regex, value);
  // An empty StringMatcher is rejected by Envoy's validation (oneof required); treat as no match.
  return false;
}
