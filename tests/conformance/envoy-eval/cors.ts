// The CORS HTTP filter (extensions/filters/http/cors/v3/cors.proto, cors_filter.cc) driven by
// CorsPolicy in typed_per_filter_config.
import type { StringMatcher, TypedConfig } from "./types.ts";
import { asRecord } from "./types.ts";
import { joined, type HeaderList } from "./headers.ts";
import { stringMatches } from "./strings.ts";

export interface CorsPolicy {
  allowOriginStringMatch?: StringMatcher[];
  allowMethods?: string;
  allowHeaders?: string;
  exposeHeaders?: string;
  maxAge?: string;
  allowCredentials?: boolean;
  filterEnabled?: unknown;
  forwardNotMatchingPreflights?: boolean;
}

export const CORS_FILTER = "envoy.filters.http.cors";

export function corsPolicyOf(cfg: Record<string, TypedConfig> | undefined): CorsPolicy | undefined {
  const c = asRecord(cfg?.[CORS_FILTER]);
  return c ? (c as CorsPolicy) : undefined;
}

export type CorsOutcome =
  | { kind: "none" }
  /** Answered by Envoy itself: a preflight. */
  | { kind: "preflight"; headers: HeaderList }
  /** Forwarded upstream; these response headers are set on the way back (encodeHeaders). */
  | { kind: "forward"; responseHeaders: HeaderList };

/**
 * Policies are consulted most specific first (route, then virtual host, then route
 * configuration); each field comes from the first policy that sets it. A request with a non-empty
 * Origin is a CORS request. A preflight (OPTIONS + Origin + Access-Control-Request-Method) is
 * answered with 200 by the filter unless the origin is not allowed and
 * forward_not_matching_preflights (default true) forwards it. The answer carries
 * allow-origin (allowed origins only), allow-credentials, allow-methods, allow-headers ("*" echoes
 * the request's), max-age; the encode path then adds allow-origin, allow-credentials and
 * expose-headers for an allowed origin, on preflights and simple requests alike.
 */
export function evaluateCors(policies: CorsPolicy[], method: string, headers: HeaderList): CorsOutcome {
  if (policies.length === 0) return { kind: "none" };
  const first = <K extends keyof CorsPolicy>(k: K): CorsPolicy[K] | undefined => policies.find((p) => p[k] !== undefined && p[k] !== "")?.[k];
  const origin = joined(headers, "origin") ?? "";
  if (origin === "") return { kind: "none" };
  const origins = policies.find((p) => (p.allowOriginStringMatch ?? []).length > 0)?.allowOriginStringMatch ?? [];
  const allowed = origins.some((m) => stringMatches(m, "*") || stringMatches(m, origin));
  const credentials = first("allowCredentials") === true;
  const expose = first("exposeHeaders") ?? "";
  const encodeAdds: HeaderList = [];
  if (allowed) {
    encodeAdds.push(["access-control-allow-origin", origin]);
    if (credentials) encodeAdds.push(["access-control-allow-credentials", "true"]);
    if (expose !== "") encodeAdds.push(["access-control-expose-headers", expose]);
  }
  const reqMethod = joined(headers, "access-control-request-method") ?? "";
  if (method !== "OPTIONS" || reqMethod === "") return { kind: "forward", responseHeaders: encodeAdds };
  const forwardNotMatching = first("forwardNotMatchingPreflights") ?? true;
  if (!allowed && forwardNotMatching) return { kind: "forward", responseHeaders: encodeAdds };

  const out: HeaderList = [];
  const put = (k: string, v: string) => {
    const i = out.findIndex(([n]) => n === k);
    if (i === -1) out.push([k, v]);
    else out[i] = [k, v];
  };
  if (allowed) put("access-control-allow-origin", origin);
  if (credentials) put("access-control-allow-credentials", "true");
  const methods = first("allowMethods") ?? "";
  if (methods !== "") put("access-control-allow-methods", methods === "*" ? reqMethod : methods);
  const allowHeaders = first("allowHeaders") ?? "";
  if (allowHeaders !== "") put("access-control-allow-headers", allowHeaders === "*" ? (joined(headers, "access-control-request-headers") ?? "") : allowHeaders);
  const maxAge = first("maxAge") ?? "";
  if (maxAge !== "") put("access-control-max-age", maxAge);
  for (const [k, v] of encodeAdds) put(k, v);
  return { kind: "preflight", headers: out };
}
