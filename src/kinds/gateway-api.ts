// Gateway API objects (gateway.networking.k8s.io), as edgegate reads them after validation.
// Field names follow the API exactly so a reader can check them against the spec.
import type { NamespacedMeta, ObjectMeta } from "../store/types.ts";

export const GatewayGroup = "gateway.networking.k8s.io";

/** An admitted object of kind K; namespaced unless M says otherwise (GatewayClass). */
export interface Typed<K extends string, S, M extends ObjectMeta = NamespacedMeta> {
  apiVersion: string;
  kind: K;
  metadata: M;
  spec: S;
}

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface BackendRef {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  port?: number;
  weight?: number;
  filters?: HTTPRouteFilter[];
}

export interface LocalObjectReference {
  group: string;
  kind: string;
  name: string;
}

export interface SecretObjectReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
}

export type GatewayClass = Typed<"GatewayClass", { controllerName: string; description?: string; parametersRef?: unknown }, ObjectMeta>;

export type ProtocolType = "HTTP" | "HTTPS" | "TLS" | "TCP" | "UDP" | string;

export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: ProtocolType;
  tls?: {
    mode?: "Terminate" | "Passthrough";
    certificateRefs?: SecretObjectReference[];
    options?: Record<string, string>;
  };
  allowedRoutes?: {
    namespaces?: { from?: "All" | "Same" | "Selector" | "None"; selector?: LabelSelector };
    kinds?: Array<{ group?: string; kind: string }>;
  };
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }>;
}

/** Which namespaces' ListenerSets may add listeners to a Gateway (default: none). */
export interface AllowedListeners {
  namespaces?: { from?: "All" | "Same" | "Selector" | "None"; selector?: LabelSelector };
}

export interface GatewaySpec {
  gatewayClassName: string;
  listeners: Listener[];
  allowedListeners?: AllowedListeners;
  addresses?: Array<{ type?: string; value: string }>;
  infrastructure?: { labels?: Record<string, string>; annotations?: Record<string, string>; parametersRef?: unknown };
  tls?: {
    frontend?: {
      default?: FrontendTLSValidationConfig;
      perPort?: Array<{ port: number; tls: FrontendTLSValidationConfig }>;
    };
    backend?: { clientCertificateRef?: SecretObjectReference };
  };
}

/**
 * ListenerSet (GEP-1713): listeners added to a Gateway by another object, often in another
 * namespace. Its listeners have the Gateway listener's fields; "Same" in allowedRoutes and
 * certificate references are relative to the ListenerSet's namespace.
 */
export type ListenerSet = Typed<
  "ListenerSet",
  {
    parentRef: { group?: string; kind?: string; name: string; namespace?: string };
    listeners: Listener[];
  }
>;

export interface FrontendTLSValidationConfig {
  validation?: { caCertificateRefs?: Array<{ group?: string; kind: string; name: string; namespace?: string }>; mode?: string };
}

export type Gateway = Typed<"Gateway", GatewaySpec>;

export interface HTTPHeaderMatch {
  type?: "Exact" | "RegularExpression";
  name: string;
  value: string;
}
export interface HTTPQueryParamMatch {
  type?: "Exact" | "RegularExpression";
  name: string;
  value: string;
}
export interface HTTPRouteMatch {
  path?: { type?: "Exact" | "PathPrefix" | "RegularExpression"; value?: string };
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPQueryParamMatch[];
  method?: string;
}

export interface HTTPHeaderFilter {
  set?: Array<{ name: string; value: string }>;
  add?: Array<{ name: string; value: string }>;
  remove?: string[];
}

export interface HTTPPathModifier {
  type: "ReplaceFullPath" | "ReplacePrefixMatch";
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

export interface HTTPRouteFilter {
  type: "RequestHeaderModifier" | "ResponseHeaderModifier" | "RequestMirror" | "RequestRedirect" | "URLRewrite" | "ExtensionRef" | "CORS";
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestMirror?: { backendRef: BackendRef; percent?: number; fraction?: { numerator: number; denominator?: number } };
  requestRedirect?: { scheme?: "http" | "https"; hostname?: string; path?: HTTPPathModifier; port?: number; statusCode?: number };
  urlRewrite?: { hostname?: string; path?: HTTPPathModifier };
  extensionRef?: LocalObjectReference;
  cors?: {
    allowOrigins?: string[];
    allowCredentials?: boolean;
    allowMethods?: string[];
    allowHeaders?: string[];
    exposeHeaders?: string[];
    maxAge?: number;
  };
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: BackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
  retry?: { codes?: number[]; attempts?: number; backoff?: string };
  sessionPersistence?: unknown;
}

export interface CommonRouteSpec {
  parentRefs?: ParentReference[];
  hostnames?: string[];
}

export type HTTPRoute = Typed<"HTTPRoute", CommonRouteSpec & { rules?: HTTPRouteRule[] }>;

export interface GRPCMethodMatch {
  type?: "Exact" | "RegularExpression";
  service?: string;
  method?: string;
}
export interface GRPCRouteRule {
  name?: string;
  matches?: Array<{ method?: GRPCMethodMatch; headers?: HTTPHeaderMatch[] }>;
  filters?: HTTPRouteFilter[];
  backendRefs?: BackendRef[];
}
export type GRPCRoute = Typed<"GRPCRoute", CommonRouteSpec & { rules?: GRPCRouteRule[] }>;

export interface TLSRouteRule {
  name?: string;
  backendRefs?: BackendRef[];
}
export type TLSRoute = Typed<"TLSRoute", CommonRouteSpec & { rules: TLSRouteRule[] }>;

export type ReferenceGrant = Typed<
  "ReferenceGrant",
  {
    from: Array<{ group: string; kind: string; namespace: string }>;
    to: Array<{ group: string; kind: string; name?: string }>;
  }
>;

/** TCPRoute and UDPRoute rules: backends only (the spec allows one rule). */
export interface L4RouteRule {
  name?: string;
  backendRefs?: BackendRef[];
}
export type TCPRoute = Typed<"TCPRoute", CommonRouteSpec & { rules: L4RouteRule[] }>;
export type UDPRoute = Typed<"UDPRoute", CommonRouteSpec & { rules: L4RouteRule[] }>;

export type RouteKind = "HTTPRoute" | "GRPCRoute" | "TLSRoute" | "TCPRoute" | "UDPRoute";
export type AnyRoute = HTTPRoute | GRPCRoute | TLSRoute | TCPRoute | UDPRoute;

/** A policy's target (gateway.networking.k8s.io LocalPolicyTargetReferenceWithSectionName). */
export interface PolicyTargetReference {
  group: string;
  kind: string;
  name: string;
  sectionName?: string;
}

export interface SubjectAltName {
  type: "Hostname" | "URI";
  hostname?: string;
  uri?: string;
}

/** BackendTLSPolicy (v1): how the gateway talks TLS to a Service's port. */
export type BackendTLSPolicy = Typed<
  "BackendTLSPolicy",
  {
    targetRefs: PolicyTargetReference[];
    validation: {
      caCertificateRefs?: LocalObjectReference[];
      wellKnownCACertificates?: string;
      hostname: string;
      subjectAltNames?: SubjectAltName[];
    };
    options?: Record<string, string>;
  }
>;
