// Header names and values as Envoy accepts them, for every place edgegate puts user text into an
// HTTP header or the request line: header modifiers, redirects and rewrites, CORS.
//   - values: Envoy's protos declare HTTP_HEADER_VALUE (strict: false), i.e. no NUL, CR or LF
//     (HeaderValue.value, RedirectAction.path_redirect/host_redirect/prefix_rewrite,
//     RegexMatchAndSubstitute.substitution, RouteMatch.path/prefix, ...). CR/LF would split a header.
//   - names: HTTP tokens (the Gateway API's HTTPHeaderName, checked by the kind validators), and
//     Envoy's HeaderParser refuses to add, set or remove `host` and `:`-prefixed headers
//     ("':-prefixed or host headers may not be modified/removed"), so a modifier naming them would
//     make Envoy NACK the whole RouteConfiguration.
import type { FieldPath } from "../yaml/documents.ts";
import type { Reporter } from "./problems.ts";

// Built once; tested per value. No backtracking: one character class.
const FORBIDDEN = /[\0\r\n]/;

const describeChar = (c: string): string => (c === "\0" ? "NUL" : c === "\r" ? "CR" : "LF");

/** Why Envoy would refuse `value` in a header or request line, or undefined. */
export function headerValueProblem(value: string): string | undefined {
  const m = FORBIDDEN.exec(value);
  if (!m) return undefined;
  return `must not contain CR, LF or NUL (found ${describeChar(m[0])} at character ${m.index + 1}); Envoy refuses such header values`;
}

export function checkHeaderValue(r: Reporter, value: string, p: FieldPath): void {
  const why = headerValueProblem(value);
  if (why !== undefined) r.error(p, why);
}

/** For header modifiers: Envoy never lets a route add, set or remove these. */
export function headerNameProblem(name: string, op: "set" | "add" | "remove"): string | undefined {
  if (name.startsWith(":")) return `Envoy does not allow a route to ${op === "remove" ? "remove" : "modify"} pseudo-headers`;
  if (name.toLowerCase() !== "host") return undefined;
  return op === "remove"
    ? "Envoy does not allow a route to remove the Host header"
    : "Envoy does not allow a route to modify the Host header (use a URLRewrite filter's hostname to rewrite it)";
}

export function checkModifiableHeaderName(r: Reporter, name: string, op: "set" | "add" | "remove", p: FieldPath): void {
  const why = headerNameProblem(name, op);
  if (why !== undefined) r.error(p, why);
}

// The Gateway API's HTTPHeaderName and RFC 9110's token (methods): what CORS lists may hold.
const TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

/** CORS lists end up in Access-Control-* response headers: names and methods are tokens. */
export function checkCorsItem(r: Reporter, field: string, v: string, p: FieldPath): void {
  if (field === "allowOrigins") checkHeaderValue(r, v, p);
  else if (v !== "*" && !TOKEN.test(v))
    r.error(p, `${JSON.stringify(v.slice(0, 100))} is not a valid ${field === "allowMethods" ? "HTTP method" : "HTTP header name"}`);
}
