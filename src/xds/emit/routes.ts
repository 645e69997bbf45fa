// IR route configs -> Envoy RouteConfiguration. Proxyless gRPC clients get the same routes minus
// what only Envoy understands (the grpc matcher).
import { create } from "@bufbuild/protobuf";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../gen/envoy/config/route/v3/route_pb.ts";
import {
  RedirectAction_RedirectResponseCode,
  RouteAction_ClusterNotFoundResponseCode,
  RouteSchema,
  type RouteMatchSchema,
  type RouteActionSchema,
  type RedirectActionSchema,
  type RetryPolicySchema,
  VirtualHostSchema,
  type VirtualHost,
  type HeaderMatcherSchema,
} from "../../gen/envoy/config/route/v3/route_components_pb.ts";
import { FractionalPercent_DenominatorType } from "../../gen/envoy/type/v3/percent_pb.ts";
import type { StringMatcherSchema } from "../../gen/envoy/type/matcher/v3/string_pb.ts";
import type { RegexMatchAndSubstituteSchema } from "../../gen/envoy/type/matcher/v3/regex_pb.ts";
import { CorsPolicySchema } from "../../gen/envoy/extensions/filters/http/cors/v3/cors_pb.ts";
import type { IrCors, IrPathRewrite, IrRoute, IrRouteAction, IrRouteConfig, IrRouteMatch, IrStringMatch, IrVirtualHost } from "../../ir/types.ts";
import type { EmitMemo } from "./memo.ts";
import { duration, headersToAdd, pack, type Init } from "./common.ts";

/** Cluster name that never exists: Envoy answers cluster_not_found_response_code (500) for its share. */
export const InvalidBackendCluster = "edgegate/invalid-backend";
/**
 * For proxyless gRPC clients the same role is played by a cluster that exists with no endpoints:
 * gRPC fails RPCs to it at once with UNAVAILABLE. A cluster name that does not exist would stall
 * the client's whole configuration until its does-not-exist timer (15 s in grpc-js 1.14).
 */
export const UnavailableCluster = "edgegate/unavailable";
export const CorsFilterName = "envoy.filters.http.cors";

const re = (regex: string): Init<typeof RegexMatchAndSubstituteSchema>["pattern"] => ({ regex });

function stringMatch(m: IrStringMatch): Init<typeof StringMatcherSchema> {
  if (m.type === "Exact") return { matchPattern: { case: "exact", value: m.value } };
  if (m.type === "Prefix") return { matchPattern: { case: "prefix", value: m.value } };
  return { matchPattern: { case: "safeRegex", value: { regex: m.value } } };
}

// gRPC C-core (python3-grpcio 1.51, still common on distributions) NACKs a whole RouteConfiguration
// with string_match header matchers; the older exact/safe_regex/prefix fields work in every client.
function legacyHeaderMatch(h: IrStringMatch): NonNullable<Init<typeof HeaderMatcherSchema>["headerMatchSpecifier"]> {
  if (h.type === "Exact") return { case: "exactMatch", value: h.value };
  if (h.type === "Prefix") return { case: "prefixMatch", value: h.value };
  return { case: "safeRegexMatch", value: { regex: h.value } };
}

function routeMatch(m: IrRouteMatch, proxyless: boolean): Init<typeof RouteMatchSchema> {
  const p = m.path;
  const pathSpecifier: Init<typeof RouteMatchSchema>["pathSpecifier"] =
    p.type === "Exact"
      ? { case: "path", value: p.value }
      : p.type === "RegularExpression"
        ? { case: "safeRegex", value: { regex: p.value } }
        : p.value === "/"
          ? { case: "prefix", value: "/" }
          : proxyless
            ? // gRPC clients know no path_separated_prefix; gRPC paths always continue with "/".
              { case: "prefix", value: `${p.value}/` }
            : // Envoy's path_separated_prefix is the Gateway API's element-wise prefix.
              { case: "pathSeparatedPrefix", value: p.value };
  const headers: NonNullable<Init<typeof RouteMatchSchema>["headers"]> = m.headers.map((h) => ({
    name: h.name,
    headerMatchSpecifier: proxyless ? legacyHeaderMatch(h) : { case: "stringMatch", value: stringMatch(h) },
    invertMatch: h.invert ?? false,
  }));
  if (m.method)
    headers.push({
      name: ":method",
      headerMatchSpecifier: proxyless
        ? { case: "exactMatch", value: m.method }
        : { case: "stringMatch", value: { matchPattern: { case: "exact", value: m.method } } },
    });
  return {
    pathSpecifier,
    headers,
    queryParameters: m.query.map((q) => ({ name: q.name, queryParameterMatchSpecifier: { case: "stringMatch", value: stringMatch(q) } })),
    grpc: m.grpc && !proxyless ? {} : undefined,
  };
}

// ReplacePrefixMatch replaces whole path elements: /foo with /bar turns /foo/x into /bar/x and
// /foo into /bar; with "/" it turns /foo/x into /x. A regex keeps the separator right in each case.
function pathRewrite(rw: IrPathRewrite, match: IrRouteMatch["path"]): Init<typeof RegexMatchAndSubstituteSchema> | { prefix: string } {
  // The substitution is an RE2 rewrite string: a literal backslash must be written \\ (a lone one,
  // or \1 without a group, makes RE2's GlobalReplace fail and Envoy leave the path unrewritten).
  const sub = rw.value.replaceAll("\\", "\\\\");
  if (rw.type === "ReplaceFullPath" || match.type !== "PathPrefix") return { pattern: re("^/.*$"), substitution: sub };
  const prefix = match.value === "/" ? "" : match.value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (rw.value === "/" || rw.value.endsWith("/")) return { pattern: re(`^${prefix}/*`), substitution: sub };
  return match.value === "/" ? { pattern: re("^/"), substitution: `${sub}/` } : { pattern: re(`^${prefix}`), substitution: sub };
}

const redirectCodes: Record<number, RedirectAction_RedirectResponseCode> = {
  301: RedirectAction_RedirectResponseCode.MOVED_PERMANENTLY,
  302: RedirectAction_RedirectResponseCode.FOUND,
  303: RedirectAction_RedirectResponseCode.SEE_OTHER,
  307: RedirectAction_RedirectResponseCode.TEMPORARY_REDIRECT,
  308: RedirectAction_RedirectResponseCode.PERMANENT_REDIRECT,
};

function redirect(a: Extract<IrRouteAction, { type: "redirect" }>, match: IrRouteMatch["path"]): Init<typeof RedirectActionSchema> {
  const out: Init<typeof RedirectActionSchema> = { responseCode: redirectCodes[a.statusCode] ?? RedirectAction_RedirectResponseCode.FOUND };
  if (a.scheme) out.schemeRewriteSpecifier = { case: "schemeRedirect", value: a.scheme };
  if (a.hostname) out.hostRedirect = a.hostname;
  if (a.port !== undefined) out.portRedirect = a.port;
  if (a.path) {
    if (a.path.type === "ReplaceFullPath") out.pathRewriteSpecifier = { case: "pathRedirect", value: a.path.value };
    else {
      const rw = pathRewrite(a.path, match);
      out.pathRewriteSpecifier = "prefix" in rw ? { case: "prefixRewrite", value: rw.prefix } : { case: "regexRewrite", value: rw };
    }
  }
  return out;
}

function perMillion(numerator: number, denominator: number): number {
  return Math.round((numerator * 1_000_000) / denominator);
}

function forward(a: Extract<IrRouteAction, { type: "forward" }>, match: IrRouteMatch["path"], proxyless: boolean): Init<typeof RouteActionSchema> {
  const out: Init<typeof RouteActionSchema> = { clusterNotFoundResponseCode: RouteAction_ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR };
  const single = a.backends.length === 1 && !a.backends[0]!.requestHeaders && !a.backends[0]!.responseHeaders;
  const missing = proxyless ? UnavailableCluster : InvalidBackendCluster;
  if (single) out.clusterSpecifier = { case: "cluster", value: a.backends[0]!.cluster ?? missing };
  else {
    out.clusterSpecifier = {
      case: "weightedClusters",
      value: {
        clusters: a.backends.map((b) => ({
          name: b.cluster ?? missing,
          weight: b.weight,
          requestHeadersToAdd: headersToAdd(b.requestHeaders),
          requestHeadersToRemove: b.requestHeaders?.remove ?? [],
          responseHeadersToAdd: headersToAdd(b.responseHeaders),
          responseHeadersToRemove: b.responseHeaders?.remove ?? [],
        })),
      },
    };
  }
  if (a.rewrite?.path) {
    const rw = pathRewrite(a.rewrite.path, match);
    if ("prefix" in rw) out.prefixRewrite = rw.prefix;
    else out.regexRewrite = rw;
  }
  if (a.rewrite?.hostname) out.hostRewriteSpecifier = { case: "hostRewriteLiteral", value: a.rewrite.hostname };
  if (a.timeoutMs !== undefined) out.timeout = duration(a.timeoutMs);
  // gRPC NACKs a retry policy with num_retries 0, and per-try timeouts are Envoy's alone.
  const retry = a.retry && (!proxyless || a.retry.attempts >= 1) ? a.retry : undefined;
  if (retry || (a.backendTimeoutMs !== undefined && !proxyless)) {
    const rp: Init<typeof RetryPolicySchema> = { numRetries: retry ? retry.attempts : 0 };
    if (retry) {
      rp.retryOn = ["connect-failure", "refused-stream", "reset", ...(retry.codes.length > 0 ? ["retriable-status-codes"] : [])].join(",");
      rp.retriableStatusCodes = retry.codes;
      if (retry.backoffMs !== undefined) rp.retryBackOff = { baseInterval: duration(Math.max(1, retry.backoffMs)) };
    }
    if (a.backendTimeoutMs !== undefined && !proxyless) rp.perTryTimeout = duration(a.backendTimeoutMs);
    out.retryPolicy = rp;
  }
  out.requestMirrorPolicies = a.mirrors.map((m) => ({
    cluster: m.cluster,
    runtimeFraction: { defaultValue: { numerator: perMillion(m.numerator, m.denominator), denominator: FractionalPercent_DenominatorType.MILLION } },
  }));
  return out;
}

function cors(c: IrCors): ReturnType<typeof pack> {
  return pack(CorsPolicySchema, {
    allowOriginStringMatch: c.allowOrigins.map(
      (o): Init<typeof StringMatcherSchema> =>
        o === "*"
          ? { matchPattern: { case: "safeRegex", value: { regex: ".*" } } }
          : o.includes("*")
            ? {
                matchPattern: {
                  case: "safeRegex",
                  value: {
                    regex: o
                      .split("*")
                      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
                      .join("[^/]*"),
                  },
                },
              }
            : { matchPattern: { case: "exact", value: o } },
    ),
    allowMethods: c.allowMethods.join(","),
    allowHeaders: c.allowHeaders.join(","),
    exposeHeaders: c.exposeHeaders.join(","),
    maxAge: c.maxAgeSeconds !== undefined ? String(c.maxAgeSeconds) : "",
    allowCredentials: c.allowCredentials,
    // A preflight from an origin the route does not allow is answered by Envoy without CORS
    // headers, never passed to the backend (the Gateway API CORS filter owns preflights).
    forwardNotMatchingPreflights: false,
  });
}

function route(r: IrRoute, proxyless: boolean): Init<typeof RouteSchema> {
  const out: Init<typeof RouteSchema> = {
    name: r.name,
    match: routeMatch(r.match, proxyless),
    requestHeadersToAdd: headersToAdd(r.requestHeaders),
    requestHeadersToRemove: r.requestHeaders?.remove ?? [],
    responseHeadersToAdd: headersToAdd(r.responseHeaders),
    responseHeadersToRemove: r.responseHeaders?.remove ?? [],
  };
  const a = r.action;
  // gRPC accepts no action but `route` (gRFC A28: anything else NACKs the whole configuration):
  // a rule Envoy answers itself (unresolved backends' 500, a redirect, a filter's error) routes
  // to a cluster without endpoints, which a gRPC client fails with UNAVAILABLE for that rule only.
  if (proxyless && a.type !== "forward") out.action = { case: "route", value: { clusterSpecifier: { case: "cluster", value: UnavailableCluster } } };
  else if (a.type === "forward") out.action = { case: "route", value: forward(a, r.match.path, proxyless) };
  else if (a.type === "redirect") out.action = { case: "redirect", value: redirect(a, r.match.path) };
  else
    out.action = {
      case: "directResponse",
      value: { status: a.status, body: a.body !== undefined ? { specifier: { case: "inlineString", value: a.body } } : undefined },
    };
  if (r.cors && !proxyless) out.typedPerFilterConfig = { [CorsFilterName]: cors(r.cors) };
  return out;
}

/** With a memo, each route's message is built once per IrRoute (and kind of client), so a virtual host with one new route among 3,000 builds one. */
export function emitVirtualHost(vh: IrVirtualHost, proxyless = false, memo?: EmitMemo): VirtualHost {
  const routes = memo
    ? vh.routes.map((r) => memo.route(r, proxyless, () => create(RouteSchema, route(r, proxyless))))
    : vh.routes.map((r) => route(r, proxyless));
  return create(VirtualHostSchema, { name: vh.name, domains: vh.domains, routes });
}

/** With a memo, an IrRouteConfig emitted before (the same object) is the same message (memo.ts routeConfigOf). */
export function emitRouteConfig(rc: IrRouteConfig, proxyless = false, memo?: EmitMemo): RouteConfiguration {
  if (!memo) return routeConfig(rc, proxyless);
  return memo.routeConfigOf(rc, proxyless, () => routeConfig(rc, proxyless, memo));
}

function routeConfig(rc: IrRouteConfig, proxyless: boolean, memo?: EmitMemo): RouteConfiguration {
  const emitHost = (vh: IrVirtualHost): VirtualHost => emitVirtualHost(vh, proxyless, memo);
  const vhosts: VirtualHost[] = rc.virtualHosts.map((vh) => (memo ? memo.virtualHost(vh, proxyless, () => emitHost(vh)) : emitHost(vh)));
  // Every config answers unknown hosts with a 404 from Envoy itself; no implicit catch-all.
  // Host "foo.com:8080" must match virtual host "foo.com", as the Gateway API expects, while the
  // backend still sees the Host header the client sent (port included): so ignore the port when
  // matching instead of stripping it in the HCM.
  const build = (): RouteConfiguration =>
    create(RouteConfigurationSchema, { name: rc.name, virtualHosts: vhosts, validateClusters: false, ignorePortInHostMatching: true });
  return memo ? memo.routeConfig(rc.name, proxyless, vhosts, build) : build();
}

export function usesCors(rc: IrRouteConfig): boolean {
  return rc.virtualHosts.some((vh) => vh.routes.some((r) => r.cors !== undefined));
}
