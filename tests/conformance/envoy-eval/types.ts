// The subset of Envoy's canonical proto3 JSON (camelCase, `@type` on Any, uint64/Duration as
// strings, wrappers as bare values, enums as names, default values omitted) that the evaluator
// reads. This is what `edgegate render` prints and what src/xds/json.ts produces.
//
// Every field is optional because proto3 JSON omits default values: a missing `caseSensitive`
// means "not set" (Envoy's default applies), not false. Readers apply Envoy's documented default.

export interface RenderJson {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
  secrets: SecretJson[];
}

export interface SocketAddress {
  address?: string;
  portValue?: number;
  protocol?: string;
}
export interface Address {
  socketAddress?: SocketAddress;
  pipe?: { path?: string };
}

export interface TypedConfig {
  "@type"?: string;
  [field: string]: unknown;
}

export interface Listener {
  name?: string;
  address?: Address;
  additionalAddresses?: { address?: Address }[];
  filterChains?: FilterChain[];
  defaultFilterChain?: FilterChain;
  listenerFilters?: { name?: string; typedConfig?: TypedConfig }[];
  apiListener?: { apiListener?: TypedConfig };
}

export interface FilterChainMatch {
  destinationPort?: number;
  prefixRanges?: { addressPrefix?: string; prefixLen?: number }[];
  serverNames?: string[];
  transportProtocol?: string;
  applicationProtocols?: string[];
}

export interface FilterChain {
  name?: string;
  filterChainMatch?: FilterChainMatch;
  filters?: NetworkFilter[];
  transportSocket?: TransportSocket;
}

export interface NetworkFilter {
  name?: string;
  typedConfig?: TypedConfig;
}

export interface TransportSocket {
  name?: string;
  typedConfig?: TypedConfig;
}

export interface HttpConnectionManager extends TypedConfig {
  statPrefix?: string;
  rds?: { routeConfigName?: string };
  routeConfig?: RouteConfiguration;
  httpFilters?: { name?: string; typedConfig?: TypedConfig; disabled?: boolean }[];
  stripMatchingHostPort?: boolean;
  stripAnyHostPort?: boolean;
  codecType?: string;
  normalizePath?: boolean;
  mergeSlashes?: boolean;
  upgradeConfigs?: UpgradeConfig[];
}

export interface TcpProxy extends TypedConfig {
  statPrefix?: string;
  cluster?: string;
  weightedClusters?: { clusters?: { name?: string; weight?: number }[] };
}

export interface RouteConfiguration {
  name?: string;
  virtualHosts?: VirtualHost[];
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
  ignorePortInHostMatching?: boolean;
  mostSpecificHeaderMutationsWins?: boolean;
  typedPerFilterConfig?: Record<string, TypedConfig>;
}

export interface VirtualHost {
  name?: string;
  domains?: string[];
  routes?: Route[];
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
  typedPerFilterConfig?: Record<string, TypedConfig>;
  retryPolicy?: RetryPolicy;
  requestMirrorPolicies?: RequestMirrorPolicy[];
}

export interface StringMatcher {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safeRegex?: RegexMatcher;
  ignoreCase?: boolean;
}

export interface RegexMatcher {
  regex?: string;
  googleRe2?: Record<string, unknown>;
}

export interface HeaderMatcher {
  name?: string;
  exactMatch?: string;
  safeRegexMatch?: RegexMatcher;
  rangeMatch?: { start?: string; end?: string };
  presentMatch?: boolean;
  prefixMatch?: string;
  suffixMatch?: string;
  containsMatch?: string;
  stringMatch?: StringMatcher;
  invertMatch?: boolean;
  treatMissingHeaderAsEmpty?: boolean;
}

export interface QueryParameterMatcher {
  name?: string;
  stringMatch?: StringMatcher;
  presentMatch?: boolean;
}

export interface RouteMatch {
  prefix?: string;
  path?: string;
  safeRegex?: RegexMatcher;
  pathSeparatedPrefix?: string;
  connectMatcher?: Record<string, unknown>;
  pathMatchPolicy?: TypedConfig;
  caseSensitive?: boolean;
  headers?: HeaderMatcher[];
  queryParameters?: QueryParameterMatcher[];
  grpc?: Record<string, unknown>;
  runtimeFraction?: unknown;
}

export interface HeaderValueOption {
  header?: { key?: string; value?: string; rawValue?: string };
  append?: boolean;
  appendAction?: "APPEND_IF_EXISTS_OR_ADD" | "ADD_IF_ABSENT" | "OVERWRITE_IF_EXISTS_OR_ADD" | "OVERWRITE_IF_EXISTS";
  keepEmptyValue?: boolean;
}

export interface ClusterWeight {
  name?: string;
  clusterHeader?: string;
  weight?: number;
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
  typedPerFilterConfig?: Record<string, TypedConfig>;
  hostRewriteLiteral?: string;
}

export interface RetryPolicy {
  retryOn?: string;
  numRetries?: number;
  perTryTimeout?: string;
  retriableStatusCodes?: number[];
  retryBackOff?: { baseInterval?: string; maxInterval?: string };
}

export interface RequestMirrorPolicy {
  cluster?: string;
  clusterHeader?: string;
  runtimeFraction?: { defaultValue?: { numerator?: number; denominator?: "HUNDRED" | "TEN_THOUSAND" | "MILLION" }; runtimeKey?: string };
  traceSampled?: boolean;
}

export interface UpgradeConfig {
  upgradeType?: string;
  enabled?: boolean;
}

export interface RouteAction {
  cluster?: string;
  clusterHeader?: string;
  weightedClusters?: { clusters?: ClusterWeight[]; totalWeight?: number };
  clusterNotFoundResponseCode?: "SERVICE_UNAVAILABLE" | "NOT_FOUND" | "INTERNAL_SERVER_ERROR";
  prefixRewrite?: string;
  regexRewrite?: { pattern?: RegexMatcher; substitution?: string };
  pathRewritePolicy?: TypedConfig;
  hostRewriteLiteral?: string;
  autoHostRewrite?: boolean;
  hostRewriteHeader?: string;
  timeout?: string;
  idleTimeout?: string;
  retryPolicy?: RetryPolicy;
  requestMirrorPolicies?: RequestMirrorPolicy[];
  upgradeConfigs?: UpgradeConfig[];
  maxStreamDuration?: { maxStreamDuration?: string; grpcTimeoutHeaderMax?: string };
}

export interface RedirectAction {
  httpsRedirect?: boolean;
  schemeRedirect?: string;
  hostRedirect?: string;
  portRedirect?: number;
  pathRedirect?: string;
  prefixRewrite?: string;
  regexRewrite?: { pattern?: RegexMatcher; substitution?: string };
  responseCode?: "MOVED_PERMANENTLY" | "FOUND" | "SEE_OTHER" | "TEMPORARY_REDIRECT" | "PERMANENT_REDIRECT";
  stripQuery?: boolean;
}

export interface DirectResponseAction {
  status?: number;
  body?: { inlineString?: string; inlineBytes?: string; filename?: string };
}

export interface Route {
  name?: string;
  match?: RouteMatch;
  route?: RouteAction;
  redirect?: RedirectAction;
  directResponse?: DirectResponseAction;
  nonForwardingAction?: Record<string, unknown>;
  requestHeadersToAdd?: HeaderValueOption[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOption[];
  responseHeadersToRemove?: string[];
  typedPerFilterConfig?: Record<string, TypedConfig>;
}

export interface Cluster {
  name?: string;
  type?: string;
  connectTimeout?: string;
  loadAssignment?: ClusterLoadAssignment;
  edsClusterConfig?: { serviceName?: string };
  transportSocket?: TransportSocket;
  typedExtensionProtocolOptions?: Record<string, TypedConfig>;
  http2ProtocolOptions?: Record<string, unknown>;
}

export interface LbEndpoint {
  endpoint?: { address?: Address; hostname?: string };
  healthStatus?: string;
  loadBalancingWeight?: number;
}

export interface ClusterLoadAssignment {
  clusterName?: string;
  endpoints?: { lbEndpoints?: LbEndpoint[]; locality?: Record<string, string>; priority?: number }[];
}

export interface SecretJson {
  name?: string;
  tlsCertificate?: { certificateChain?: DataSource; privateKey?: DataSource };
  validationContext?: { trustedCa?: DataSource; matchTypedSubjectAltNames?: unknown[] };
}

export interface DataSource {
  inlineString?: string;
  inlineBytes?: string;
  filename?: string;
}

/** Type URLs the evaluator recognises inside Any fields. */
export const TypeUrls = {
  hcm: "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  tcpProxy: "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
  cors: "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy",
  downstreamTls: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
  upstreamTls: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
  httpProtocolOptions: "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
} as const;

/** Reads an unknown value as an object (or undefined), for narrowing typed_config fields. */
export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * Narrows the parsed render output to RenderJson after checking the five top-level lists exist.
 * Deeper fields are trusted to follow Envoy's proto3 JSON mapping (they come from protobuf-es
 * `toJson`, which only emits fields of the schema).
 */
export function asRenderJson(v: unknown): RenderJson {
  const o = asRecord(v);
  if (!o) throw new Error("render output is not an object");
  for (const k of ["listeners", "routes", "clusters", "endpoints", "secrets"] as const) {
    if (o[k] !== undefined && !Array.isArray(o[k])) throw new Error(`render output: ${k} is not a list`);
  }
  return {
    listeners: (o.listeners as Listener[] | undefined) ?? [],
    routes: (o.routes as RouteConfiguration[] | undefined) ?? [],
    clusters: (o.clusters as Cluster[] | undefined) ?? [],
    endpoints: (o.endpoints as ClusterLoadAssignment[] | undefined) ?? [],
    secrets: (o.secrets as SecretJson[] | undefined) ?? [],
  };
}
