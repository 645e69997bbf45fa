// The evaluator's entry point: one request (or TLS/TCP connection) against rendered xDS, answered
// the way Envoy would route it. A test tool only (tests/conformance), written from Envoy's API
// reference; the product never imports it.
import type {
  Cluster,
  ClusterLoadAssignment,
  ClusterWeight,
  FilterChain,
  HttpConnectionManager,
  Listener,
  RenderJson,
  RequestMirrorPolicy,
  RetryPolicy,
  Route,
  RouteConfiguration,
  TcpProxy,
  TransportSocket,
  VirtualHost,
} from "./types.ts";
import { TypeUrls, asRecord } from "./types.ts";
import { findListener, selectFilterChain, type Connection } from "./listener.ts";
import { selectVirtualHost, splitHostPort } from "./vhost.ts";
import { pathWithoutQuery, routeMatches, type PathMatch } from "./match.ts";
import { applyMutations, headerList, set, type HeaderList, type HeaderMutation } from "./headers.ts";
import { locationFor, redirectStatus } from "./redirect.ts";
import { corsPolicyOf, evaluateCors, CORS_FILTER, type CorsPolicy } from "./cors.ts";
import { re2GlobalReplace } from "./re2.ts";

/** TLS is implied by the scheme. */
export interface HttpRequest extends Omit<Connection, "tls"> {
  scheme: "http" | "https";
  /** Host header / :authority as sent (port included when the client sent one). */
  authority: string;
  method: string;
  /** Path with query string, as sent. */
  path: string;
  headers: Record<string, string> | HeaderList;
  /** The client presents a certificate signed by this CA (PEM); undefined = no client certificate. */
  clientCertCa?: string;
}

export interface Endpoint {
  address: string;
  port: number;
}

/** One upstream the router may pick (one entry per weighted cluster with weight > 0). */
export interface UpstreamChoice {
  cluster: string;
  weight: number;
  /** The cluster exists in CDS. */
  clusterFound: boolean;
  cluster_?: Cluster;
  endpoints: Endpoint[];
  /** The request as the upstream receives it. */
  request: { authority: string; method: string; path: string; headers: HeaderList };
  /** Applied in order to the upstream's response headers. */
  responseMutations: HeaderMutation[];
  /** The cluster speaks HTTP/2 to the upstream (h2c or h2 over TLS). */
  http2: boolean;
  upstreamTls?: Record<string, unknown>;
}

export interface RouteInfo {
  listener: string;
  filterChain: string;
  routeConfig: string;
  virtualHost: string;
  route: string;
}

export type Outcome =
  /** The connection is refused or closed before any HTTP exchange. */
  | {
      kind: "connection-error";
      reason: "no-listener" | "no-filter-chain" | "no-terminal-filter" | "tls-mismatch" | "no-route-config" | "client-certificate";
      detail: string;
    }
  /** Envoy answers itself: no vhost/route, direct_response, redirect, CORS preflight, missing cluster... */
  | { kind: "local"; status: number; headers: HeaderList; body: string; reason: string; info?: Partial<RouteInfo> }
  | {
      kind: "upstream";
      info: RouteInfo;
      choices: UpstreamChoice[];
      /** RouteAction.timeout ("defaults to 15s"; "0s" disables). */
      timeout: string;
      retryPolicy?: RetryPolicy;
      mirrors: { cluster: string; percent: number; clusterFound: boolean; endpoints: Endpoint[] }[];
      websocket: boolean;
      /** Set on the response by the CORS filter on the way back. */
      corsResponseHeaders: HeaderList;
    }
  /** tcp_proxy: the connection is proxied as bytes. */
  | {
      kind: "tcp";
      info: { listener: string; filterChain: string };
      clusters: { cluster: string; weight: number; clusterFound: boolean; endpoints: Endpoint[]; cluster_?: Cluster }[];
      terminatesTls: boolean;
    };

function terminal(fc: FilterChain): { hcm?: HttpConnectionManager; tcp?: TcpProxy } {
  for (const f of fc.filters ?? []) {
    const t = f.typedConfig?.["@type"];
    if (t === TypeUrls.hcm || f.name === "envoy.filters.network.http_connection_manager") return { hcm: f.typedConfig as HttpConnectionManager };
    if (t === TypeUrls.tcpProxy || f.name === "envoy.filters.network.tcp_proxy") return { tcp: f.typedConfig as TcpProxy };
  }
  return {};
}

export function endpointsOf(render: RenderJson, c: Cluster | undefined): Endpoint[] {
  if (!c) return [];
  let cla: ClusterLoadAssignment | undefined = c.loadAssignment;
  if (c.type === "EDS" || c.edsClusterConfig !== undefined) {
    const name = c.edsClusterConfig?.serviceName || c.name;
    cla = render.endpoints.find((e) => e.clusterName === name);
  }
  const out: Endpoint[] = [];
  for (const group of cla?.endpoints ?? []) {
    for (const lb of group.lbEndpoints ?? []) {
      if (lb.healthStatus === "UNHEALTHY" || lb.healthStatus === "DRAINING") continue;
      const s = lb.endpoint?.address?.socketAddress;
      if (s?.address !== undefined) out.push({ address: s.address, port: s.portValue ?? 0 });
    }
  }
  return out;
}

/** The cluster speaks HTTP/2 upstream: HttpProtocolOptions explicit http2 / use_downstream, or the legacy field. */
export function clusterIsHttp2(c: Cluster | undefined): boolean {
  if (!c) return false;
  if (c.http2ProtocolOptions !== undefined) return true;
  const opts = c.typedExtensionProtocolOptions?.["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
  const explicit = opts?.explicitHttpConfig as Record<string, unknown> | undefined;
  return explicit?.http2ProtocolOptions !== undefined;
}

function upstreamTlsOf(ts: TransportSocket | undefined): Record<string, unknown> | undefined {
  return ts?.typedConfig?.["@type"] === TypeUrls.upstreamTls ? ts.typedConfig : undefined;
}

function findRouteConfig(render: RenderJson, hcm: HttpConnectionManager): RouteConfiguration | undefined {
  if (hcm.routeConfig) return hcm.routeConfig;
  const name = hcm.rds?.routeConfigName;
  return name === undefined ? undefined : render.routes.find((r) => r.name === name);
}

function local(status: number, reason: string, info?: Partial<RouteInfo>, headers: HeaderList = [], body = ""): Outcome {
  return { kind: "local", status, headers, body, reason, info };
}

const NOT_FOUND_CODES = { SERVICE_UNAVAILABLE: 503, NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500 } as const;

/**
 * Mutation levels, most specific first (route.proto most_specific_header_mutations_wins: "By
 * default, the order is from most specific (i.e. route entry level) to least specific (i.e. route
 * configuration level). Later header mutations may override earlier mutations.").
 */
function mutationLevels(rc: RouteConfiguration, vh: VirtualHost, r: Route, wc: ClusterWeight | undefined, dir: "request" | "response"): HeaderMutation[] {
  const lv = (
    level: string,
    o:
      | {
          requestHeadersToAdd?: Route["requestHeadersToAdd"];
          requestHeadersToRemove?: string[];
          responseHeadersToAdd?: Route["responseHeadersToAdd"];
          responseHeadersToRemove?: string[];
        }
      | undefined,
  ): HeaderMutation => ({
    level,
    add: (dir === "request" ? o?.requestHeadersToAdd : o?.responseHeadersToAdd) ?? [],
    remove: (dir === "request" ? o?.requestHeadersToRemove : o?.responseHeadersToRemove) ?? [],
  });
  const levels = [lv("weighted-cluster", wc), lv("route", r), lv("virtual-host", vh), lv("route-configuration", rc)];
  return rc.mostSpecificHeaderMutationsWins === true ? levels.reverse() : levels;
}

function rewritePath(r: Route, pm: PathMatch, path: string): string {
  const a = r.route;
  if (a?.prefixRewrite !== undefined && (pm.kind === "prefix" || pm.kind === "path_separated_prefix" || pm.kind === "path")) {
    return a.prefixRewrite + path.slice(pm.matchedLength);
  }
  if (a?.regexRewrite?.pattern?.regex !== undefined) {
    const bare = pathWithoutQuery(path);
    return re2GlobalReplace(a.regexRewrite.pattern.regex, bare, a.regexRewrite.substitution ?? "") + path.slice(bare.length);
  }
  return path;
}

function mirrorPercent(m: RequestMirrorPolicy): number {
  const f = m.runtimeFraction?.defaultValue;
  if (!f) return 100;
  const denom = f.denominator === "MILLION" ? 1_000_000 : f.denominator === "TEN_THOUSAND" ? 10_000 : 100;
  return ((f.numerator ?? 0) * 100) / denom;
}

function httpFilterEnabled(hcm: HttpConnectionManager, name: string): boolean {
  return (hcm.httpFilters ?? []).some((f) => (f.name === name || (f.typedConfig?.["@type"] ?? "").includes("cors.v3.Cors")) && f.disabled !== true);
}

/**
 * Downstream client certificate checks (tls.proto DownstreamTlsContext, common.proto
 * CertificateValidationContext): "require_client_certificate: If specified, Envoy will reject
 * connections without a valid client certificate"; a presented certificate is verified against
 * trusted_ca unless trust_chain_verification is ACCEPT_UNTRUSTED ("Connections where the
 * certificate fails verification will be permitted"). The validation context may come inline,
 * over SDS, or combined (default context merged with the SDS one).
 */
function clientCertRejected(render: RenderJson, ctx: Record<string, unknown>, clientCa: string | undefined): string | undefined {
  const common = asRecord(ctx.commonTlsContext);
  const combined = asRecord(common?.combinedValidationContext);
  const sdsName = asRecord(common?.validationContextSdsSecretConfig)?.name ?? asRecord(combined?.validationContextSdsSecretConfig)?.name;
  const inline = asRecord(common?.validationContext) ?? asRecord(combined?.defaultValidationContext);
  const sds = typeof sdsName === "string" ? render.secrets.find((x) => x.name === sdsName)?.validationContext : undefined;
  if (!inline && !sds) return undefined;
  const trusted = sds?.trustedCa?.inlineString ?? (asRecord(inline?.trustedCa)?.inlineString as string | undefined);
  const acceptUntrusted = inline?.trustChainVerification === "ACCEPT_UNTRUSTED";
  if (clientCa === undefined) return ctx.requireClientCertificate === true ? "no client certificate and require_client_certificate is set" : undefined;
  if (acceptUntrusted || trusted === undefined) return undefined;
  return trusted.trim() === clientCa.trim() ? undefined : "client certificate not signed by the trusted CA";
}

/** Routes one HTTP request. */
export function evaluateHttp(render: RenderJson, req: HttpRequest): Outcome {
  const listener: Listener | undefined = findListener(render, { ...req, tls: req.scheme === "https" });
  if (!listener) return { kind: "connection-error", reason: "no-listener", detail: `nothing listens on ${req.address}:${req.port}` };
  const fc = selectFilterChain(listener, { ...req, tls: req.scheme === "https" });
  if (!fc) return { kind: "connection-error", reason: "no-filter-chain", detail: `listener ${listener.name} has no filter chain for sni=${req.sni ?? ""}` };
  const isTls = fc.transportSocket?.typedConfig?.["@type"] === TypeUrls.downstreamTls;
  if (isTls !== (req.scheme === "https")) {
    return { kind: "connection-error", reason: "tls-mismatch", detail: `filter chain ${fc.name ?? ""} ${isTls ? "expects" : "does not terminate"} TLS` };
  }
  if (isTls) {
    const why = clientCertRejected(render, fc.transportSocket!.typedConfig!, req.clientCertCa);
    if (why) return { kind: "connection-error", reason: "client-certificate", detail: why };
  }
  const { hcm, tcp } = terminal(fc);
  if (tcp) return { kind: "connection-error", reason: "tls-mismatch", detail: `filter chain ${fc.name ?? ""} is tcp_proxy, not HTTP` };
  if (!hcm) return { kind: "connection-error", reason: "no-terminal-filter", detail: `filter chain ${fc.name ?? ""} has no http_connection_manager` };
  const rc = findRouteConfig(render, hcm);
  if (!rc)
    return { kind: "connection-error", reason: "no-route-config", detail: `route configuration ${hcm.rds?.routeConfigName ?? "(inline missing)"} not in RDS` };

  // HCM strip_any_host_port / strip_matching_host_port remove the port before routing.
  let authority = req.authority;
  const hp = splitHostPort(authority);
  if (hp.port !== undefined && (hcm.stripAnyHostPort === true || (hcm.stripMatchingHostPort === true && hp.port === String(req.port)))) authority = hp.host;

  const info: Partial<RouteInfo> = { listener: listener.name ?? "", filterChain: fc.name ?? "", routeConfig: rc.name ?? "" };
  const vh = selectVirtualHost(rc, authority);
  if (!vh) return local(404, "no virtual host (NR)", info);
  info.virtualHost = vh.name ?? "";

  let headers: HeaderList = headerList(req.headers);
  headers = set(headers, ":authority", authority);
  headers = set(headers, ":path", req.path);
  headers = set(headers, ":method", req.method);
  headers = set(headers, ":scheme", req.scheme);
  // The router sets x-forwarded-proto from the connection (edge: not trusted from the client).
  headers = set(headers, "x-forwarded-proto", req.scheme);

  let route: Route | undefined;
  let pm: PathMatch | undefined;
  for (const r of vh.routes ?? []) {
    pm = routeMatches(r.match ?? {}, { path: req.path, headers });
    if (pm) {
      route = r;
      break;
    }
  }
  if (!route || !pm) return local(404, "no route (NR)", info);
  info.route = route.name ?? "";

  // The CORS filter runs before the router and may answer a preflight itself.
  const corsPolicies = [corsPolicyOf(route.typedPerFilterConfig), corsPolicyOf(vh.typedPerFilterConfig), corsPolicyOf(rc.typedPerFilterConfig)].filter(
    (p): p is CorsPolicy => p !== undefined,
  );
  const cors = httpFilterEnabled(hcm, CORS_FILTER) && route.route !== undefined ? evaluateCors(corsPolicies, req.method, headers) : { kind: "none" as const };
  if (cors.kind === "preflight") return local(200, "cors preflight", info, cors.headers);

  if (route.directResponse) {
    const body = route.directResponse.body?.inlineString ?? "";
    const respHeaders = applyMutations([], mutationLevels(rc, vh, route, undefined, "response"));
    return local(route.directResponse.status ?? 200, "direct_response", info, respHeaders, body);
  }
  if (route.redirect) {
    const location = locationFor(route.redirect, { scheme: req.scheme, authority: req.authority, path: req.path }, pm);
    const respHeaders = applyMutations([["location", location]], mutationLevels(rc, vh, route, undefined, "response"));
    return local(redirectStatus(route.redirect), "redirect", info, respHeaders);
  }
  const action = route.route;
  if (!action) return local(404, "route has no action", info);

  const weights: { name: string; weight: number; wc?: ClusterWeight }[] = [];
  if (action.cluster !== undefined) weights.push({ name: action.cluster, weight: 1 });
  else if (action.weightedClusters) for (const wc of action.weightedClusters.clusters ?? []) weights.push({ name: wc.name ?? "", weight: wc.weight ?? 0, wc });
  else return local(404, "route action without cluster/weighted_clusters (cluster_header unsupported offline)", info);
  const live = weights.filter((w) => w.weight > 0);
  if (live.length === 0) return local(503, "weighted_clusters with total weight 0", info);

  const newPath = rewritePath(route, pm, req.path);
  const choices: UpstreamChoice[] = live.map((w) => {
    const c = render.clusters.find((x) => x.name === w.name);
    let h = applyMutations(headers, mutationLevels(rc, vh, route, w.wc, "request"));
    let auth = authority;
    const hostRewrite = w.wc?.hostRewriteLiteral ?? action.hostRewriteLiteral;
    if (hostRewrite !== undefined && hostRewrite !== "") auth = hostRewrite;
    h = set(h, ":authority", auth);
    h = set(h, ":path", newPath);
    return {
      cluster: w.name,
      weight: w.weight,
      clusterFound: c !== undefined,
      cluster_: c,
      endpoints: endpointsOf(render, c),
      request: { authority: auth, method: req.method, path: newPath, headers: h },
      responseMutations: mutationLevels(rc, vh, route, w.wc, "response"),
      http2: clusterIsHttp2(c),
      upstreamTls: upstreamTlsOf(c?.transportSocket),
    };
  });
  // A missing cluster is answered by cluster_not_found_response_code (default 503) once picked.
  const missing = choices.filter((c) => !c.clusterFound);
  if (missing.length === choices.length) {
    return local(
      NOT_FOUND_CODES[action.clusterNotFoundResponseCode ?? "SERVICE_UNAVAILABLE"],
      `cluster not found: ${missing.map((m) => m.cluster).join(",")}`,
      info,
    );
  }
  const mirrors = (action.requestMirrorPolicies ?? vh.requestMirrorPolicies ?? []).map((m) => {
    const c = render.clusters.find((x) => x.name === m.cluster);
    return { cluster: m.cluster ?? "", percent: mirrorPercent(m), clusterFound: c !== undefined, endpoints: endpointsOf(render, c) };
  });
  const upgrades = action.upgradeConfigs ?? hcm.upgradeConfigs ?? [];
  const websocket = upgrades.some((u) => u.upgradeType?.toLowerCase() === "websocket" && u.enabled !== false);
  return {
    kind: "upstream",
    info: {
      listener: info.listener ?? "",
      filterChain: info.filterChain ?? "",
      routeConfig: info.routeConfig ?? "",
      virtualHost: info.virtualHost ?? "",
      route: info.route ?? "",
    },
    choices,
    timeout: action.timeout ?? "15s",
    retryPolicy: action.retryPolicy ?? vh.retryPolicy,
    mirrors,
    websocket,
    corsResponseHeaders: cors.kind === "forward" ? cors.responseHeaders : [],
  };
}

/** Opens a TLS (or plain TCP) connection and reports where tcp_proxy sends it. */
export function evaluateTcp(render: RenderJson, c: Connection): Outcome {
  const listener = findListener(render, c);
  if (!listener) return { kind: "connection-error", reason: "no-listener", detail: `nothing listens on ${c.address}:${c.port}` };
  const fc = selectFilterChain(listener, c);
  if (!fc) return { kind: "connection-error", reason: "no-filter-chain", detail: `listener ${listener.name} has no filter chain for sni=${c.sni ?? ""}` };
  const { tcp, hcm } = terminal(fc);
  if (!tcp) return { kind: "connection-error", reason: "no-terminal-filter", detail: hcm ? "filter chain is HTTP, not tcp_proxy" : "no tcp_proxy" };
  const list =
    tcp.cluster !== undefined
      ? [{ name: tcp.cluster, weight: 1 }]
      : (tcp.weightedClusters?.clusters ?? []).map((w) => ({ name: w.name ?? "", weight: w.weight ?? 0 }));
  return {
    kind: "tcp",
    info: { listener: listener.name ?? "", filterChain: fc.name ?? "" },
    terminatesTls: fc.transportSocket?.typedConfig?.["@type"] === TypeUrls.downstreamTls,
    clusters: list
      .filter((w) => w.weight > 0)
      .map((w) => {
        const cl = render.clusters.find((x) => x.name === w.name);
        return { cluster: w.name, weight: w.weight, clusterFound: cl !== undefined, endpoints: endpointsOf(render, cl), cluster_: cl };
      }),
  };
}

/** Envoy's local reply for a gRPC request maps the HTTP status (Grpc::Utility::httpToGrpcStatus). */
export function grpcStatusForHttp(status: number): string {
  switch (status) {
    case 400:
      return "Internal";
    case 401:
      return "Unauthenticated";
    case 403:
      return "PermissionDenied";
    case 404:
      return "Unimplemented";
    case 429:
    case 502:
    case 503:
    case 504:
      return "Unavailable";
    default:
      return "Unknown";
  }
}
