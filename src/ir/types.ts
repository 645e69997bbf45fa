// The intermediate representation: what the node must do, independent of Envoy's API. translate/
// (gateway/, ingress/) produces it from objects; emit (xds/emit/, datapath/) consumes it.
import type { DatapathIntent } from "./datapath.ts";
import type { ListenerOrigin } from "./origin.ts";

export interface Ir {
  listeners: IrListener[];
  routeConfigs: IrRouteConfig[];
  clusters: IrCluster[];
  secrets: IrSecret[];
  /** Listeners for proxyless gRPC clients (xds:///NAME), one per Gateway listener serving GRPCRoutes. */
  apiListeners: IrApiListener[];
  /** What the datapath must do, mesh steering (GAMMA) included: the one place that state lives. */
  datapath: DatapathIntent;
}

/** One socket Envoy listens on (an address and port); several Gateway listeners may share it. */
export interface IrListener {
  /** Stable and readable, e.g. "default/my-gateway/80" or "ingress/80". */
  name: string;
  address: string;
  /** Further addresses on the same port (Gateway spec.addresses beyond the first). */
  extraAddresses: string[];
  port: number;
  /** Plain HTTP: one route config for every hostname. */
  http?: { routeConfig: string };
  /** TLS: filter chains chosen by SNI. */
  tls: IrTlsChain[];
  /** TCP (TCPRoute): every connection proxied to weighted backends. */
  tcp?: { backends: IrBackendRef[]; statPrefix: string };
  /** UDP (UDPRoute): a UDP socket whose datagrams are proxied to one (possibly composite) cluster. */
  udp?: { cluster: string; statPrefix: string };
  /** The objects (and their listener sections) this socket serves. */
  origins: ListenerOrigin[];
  /** The GatewayClass's xffNumTrustedHops (GatewayClassConfig), over edgegate.yaml's http.xffNumTrustedHops. */
  xffNumTrustedHops?: number;
  /** Labels and annotations from Gateway spec.infrastructure, carried as listener metadata. */
  infrastructure?: { labels: Record<string, string>; annotations: Record<string, string> };
}

export interface IrTlsChain {
  name: string;
  /** SNI names; empty matches any (the listener's default chain). */
  serverNames: string[];
  /** terminate: TLS ends in Envoy (HTTPS, or TLSRoute in Terminate mode); passthrough: SNI routed to TCP. */
  mode: "terminate" | "passthrough";
  /** Secret names (IrSecret.name) of the server certificates, for terminate. */
  certificates: string[];
  /** Client certificate validation (frontend mTLS). */
  clientValidation?: { caSecret: string; optional: boolean };
  http?: { routeConfig: string };
  tcp?: { backends: IrBackendRef[]; statPrefix: string };
}

export interface IrRouteConfig {
  name: string;
  virtualHosts: IrVirtualHost[];
  /** Answer 421 when :authority does not belong to the TLS connection's SNI listener. */
  misdirectedRequestCheck?: boolean;
}

export interface IrVirtualHost {
  name: string;
  /** Envoy domain patterns: "foo.com", "*.foo.com", "*". */
  domains: string[];
  routes: IrRoute[];
}

export interface IrStringMatch {
  type: "Exact" | "RegularExpression" | "Prefix";
  value: string;
}

export interface IrRouteMatch {
  path: { type: "Exact" | "PathPrefix" | "RegularExpression"; value: string };
  headers: Array<{ name: string } & IrStringMatch & { invert?: boolean }>;
  query: Array<{ name: string } & IrStringMatch>;
  method?: string;
  /** gRPC routes only match gRPC requests (content-type application/grpc). */
  grpc?: boolean;
}

export interface IrHeaderMutation {
  set: Array<{ name: string; value: string }>;
  add: Array<{ name: string; value: string }>;
  remove: string[];
}

export interface IrBackendRef {
  /** Cluster name; undefined when the reference could not be resolved (answers 500). */
  cluster?: string;
  weight: number;
  requestHeaders?: IrHeaderMutation;
  responseHeaders?: IrHeaderMutation;
}

export interface IrMirror {
  cluster: string;
  /** Fraction of requests mirrored, as numerator/denominator. */
  numerator: number;
  denominator: number;
}

export interface IrPathRewrite {
  type: "ReplaceFullPath" | "ReplacePrefixMatch";
  value: string;
}

export type IrRouteAction =
  | {
      type: "forward";
      backends: IrBackendRef[];
      rewrite?: { path?: IrPathRewrite; hostname?: string };
      mirrors: IrMirror[];
      /** Milliseconds; 0 disables the timeout. */
      timeoutMs?: number;
      backendTimeoutMs?: number;
      retry?: { attempts: number; codes: number[]; backoffMs?: number };
      /** WebSocket upgrades allowed to these backends. */
      upgrades?: string[];
    }
  | {
      type: "redirect";
      scheme?: string;
      hostname?: string;
      port?: number;
      path?: IrPathRewrite;
      statusCode: number;
    }
  | { type: "direct"; status: number; body?: string };

export interface IrCors {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  allowCredentials: boolean;
  maxAgeSeconds?: number;
}

export interface IrRoute {
  /** Stable: "<kind>/<ns>/<name>/rule/<i>/match/<j>". */
  name: string;
  match: IrRouteMatch;
  action: IrRouteAction;
  requestHeaders?: IrHeaderMutation;
  responseHeaders?: IrHeaderMutation;
  cors?: IrCors;
}

export interface IrEndpoint {
  address: string;
  port: number;
  /** Share of the cluster's traffic relative to its other endpoints (composite UDP clusters); 1 when absent. */
  weight?: number;
}

export interface IrCluster {
  /** "<namespace>/<service>/<port>". */
  name: string;
  protocol: "http1" | "h2c" | "tls-passthrough" | "tcp" | "udp";
  /** Static or EndpointSlice endpoints (EDS), or a DNS name resolved by Envoy. */
  endpoints: IrEndpoint[];
  dns?: { hostname: string; port: number };
  /** Set when every backend of the cluster is a WebSocket-capable HTTP/1.1 service. */
  websocket?: boolean;
  /** TLS to the backend (BackendTLSPolicy), verified against a CA and SANs. */
  tls?: IrUpstreamTls;
}

export interface IrUpstreamTls {
  /** SNI sent, and the DNS SAN checked when `sans` is empty (BackendTLSPolicy hostname). */
  sni: string;
  /** IrSecret name (type "ca") of the trusted CA bundle. */
  caSecret: string;
  /** Accepted SANs of the backend's certificate; any one matching suffices. */
  sans: Array<{ type: "DNS" | "URI"; value: string }>;
  /** IrSecret name (type "certificate") presented as the client certificate (Gateway spec.tls.backend). */
  clientCertificate?: string;
}

export type IrSecret = { name: string; type: "certificate"; certChain: string; privateKey: string } | { name: string; type: "ca"; caBundle: string };

export interface IrApiListener {
  /** The name a client uses: xds:///NAME, "<listener>.<gateway>.<namespace>". */
  name: string;
  routeConfig: string;
}
