// Route matching (route_components.proto RouteMatch, HeaderMatcher, QueryParameterMatcher).
import type { HeaderMatcher, QueryParameterMatcher, RouteMatch } from "./types.ts";
import { joined, type HeaderList } from "./headers.ts";
import { stringMatches } from "./strings.ts";
import { re2FullMatch } from "./re2.ts";

/** The request as the router sees it: pseudo-headers included in `headers`. */
export interface RoutableRequest {
  /** :path, with the query string. */
  path: string;
  headers: HeaderList;
}

export function pathWithoutQuery(path: string): string {
  const q = path.search(/[?#]/);
  return q === -1 ? path : path.slice(0, q);
}

export function queryOf(path: string): string {
  const q = path.indexOf("?");
  if (q === -1) return "";
  const rest = path.slice(q + 1);
  const h = rest.indexOf("#");
  return h === -1 ? rest : rest.slice(0, h);
}

/** What matched the path, so prefix_rewrite knows how much to replace. */
export interface PathMatch {
  kind: "prefix" | "path" | "safe_regex" | "path_separated_prefix" | "other";
  /** For prefix kinds and exact path: the number of :path characters the matcher consumed. */
  matchedLength: number;
}

/**
 * RouteMatch path specifiers:
 * - prefix: "the prefix must match the beginning of the :path header" (the whole :path, query
 *   included, as Envoy's PrefixRouteEntryImpl compares it);
 * - path: "the exact path ... must match the :path header once the query string is removed";
 * - safe_regex: "The entire path (without the query string) must match the regex. The rule will
 *   not match if only a subsequence of the :path header matches the regex.";
 * - path_separated_prefix: "the prefix must match the path up to a path separator ('/') or the
 *   end ... query and fragment are not considered". (Trailing '/' in the config is rejected.)
 * case_sensitive (default true) applies to prefix, path and path_separated_prefix, not to regex.
 */
export function matchPath(m: RouteMatch, path: string): PathMatch | undefined {
  const cs = m.caseSensitive !== false;
  const eq = (a: string, b: string) => (cs ? a === b : a.toLowerCase() === b.toLowerCase());
  if (m.prefix !== undefined) {
    return eq(path.slice(0, m.prefix.length), m.prefix) ? { kind: "prefix", matchedLength: m.prefix.length } : undefined;
  }
  const bare = pathWithoutQuery(path);
  if (m.path !== undefined) return eq(bare, m.path) ? { kind: "path", matchedLength: bare.length } : undefined;
  if (m.safeRegex?.regex !== undefined) return re2FullMatch(m.safeRegex.regex, bare) ? { kind: "safe_regex", matchedLength: 0 } : undefined;
  if (m.pathSeparatedPrefix !== undefined) {
    const p = m.pathSeparatedPrefix;
    if (!eq(bare.slice(0, p.length), p)) return undefined;
    const next = bare.charAt(p.length);
    return next === "" || next === "/" ? { kind: "path_separated_prefix", matchedLength: p.length } : undefined;
  }
  // connect_matcher / path_match_policy: not produced by edgegate; never matches offline.
  return undefined;
}

/**
 * HeaderMatcher: the header's value (all values joined with ",") is compared with the one
 * specifier set. "present_match: If specified as true, header match will be performed based on
 * whether the header is in the request. If specified as false, header match will be performed
 * based on whether the header is absent." "invert_match: If specified, the match result will be
 * inverted before checking." "treat_missing_header_as_empty: if the header match rule specified
 * header does not exist, this header value will be treated as empty."
 * A missing header fails every value specifier (and so matches when inverted), as Envoy's
 * HeaderUtility::matchHeaders does.
 */
export function headerMatches(m: HeaderMatcher, headers: HeaderList): boolean {
  const name = m.name ?? "";
  let value = joined(headers, name);
  if (value === undefined && m.treatMissingHeaderAsEmpty === true) value = "";
  let result: boolean;
  if (m.presentMatch !== undefined) {
    result = (value !== undefined) === m.presentMatch;
  } else if (value === undefined) {
    result = false;
  } else if (m.exactMatch !== undefined) result = value === m.exactMatch;
  else if (m.safeRegexMatch?.regex !== undefined) result = re2FullMatch(m.safeRegexMatch.regex, value);
  else if (m.prefixMatch !== undefined) result = value.startsWith(m.prefixMatch);
  else if (m.suffixMatch !== undefined) result = value.endsWith(m.suffixMatch);
  else if (m.containsMatch !== undefined) result = value.includes(m.containsMatch);
  else if (m.stringMatch !== undefined) result = stringMatches(m.stringMatch, value);
  else if (m.rangeMatch !== undefined) {
    const ok = /^[+-]?\d+$/.test(value);
    const n = Number(value);
    result = ok && n >= Number(m.rangeMatch.start ?? "0") && n < Number(m.rangeMatch.end ?? "0");
  } else {
    // No specifier: Envoy treats this as a presence check.
    result = true;
  }
  return m.invertMatch === true ? !result : result;
}

function decodeQueryComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/**
 * QueryParameterMatcher: "Specifies the name of a key that must be present in the requested
 * path's query string", with string_match on its value or present_match. Envoy parses the query
 * with QueryParamsMulti::parseAndDecodeQueryString and compares the first value of the key.
 */
export function queryParamMatches(m: QueryParameterMatcher, path: string): boolean {
  const name = m.name ?? "";
  const params = queryOf(path)
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const i = p.indexOf("=");
      return i === -1 ? [decodeQueryComponent(p), ""] : [decodeQueryComponent(p.slice(0, i)), decodeQueryComponent(p.slice(i + 1))];
    });
  const first = params.find(([k]) => k === name);
  if (first === undefined) return false;
  if (m.presentMatch !== undefined) return m.presentMatch;
  if (m.stringMatch !== undefined) return stringMatches(m.stringMatch, first[1] ?? "");
  return true;
}

/**
 * A route matches when its path specifier, every header matcher, every query parameter matcher
 * and the grpc matcher ("If specified, only gRPC requests will be matched", i.e. content-type
 * application/grpc*) all match. runtime_fraction is not evaluated (treated as 100%).
 */
export function routeMatches(m: RouteMatch, req: RoutableRequest): PathMatch | undefined {
  const pm = matchPath(m, req.path);
  if (!pm) return undefined;
  for (const h of m.headers ?? []) if (!headerMatches(h, req.headers)) return undefined;
  for (const q of m.queryParameters ?? []) if (!queryParamMatches(q, req.path)) return undefined;
  if (m.grpc !== undefined && !(joined(req.headers, "content-type") ?? "").startsWith("application/grpc")) return undefined;
  return pm;
}
