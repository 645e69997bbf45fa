// The appliance's own configuration (config/edgegate.yaml). Every field has a safe default:
// admin, status and xDS listen on loopback or a Unix socket unless the operator says otherwise.
// Two forms: the file's (ApplianceConfigFile: listen addresses as text, what the YAML and the
// command line's flags spell) and the typed one everything that runs takes (ApplianceConfig: listen
// addresses parsed once, by src/config/check.ts, into ListenAddress values).
import { formatAddress, type ListenAddress, type TcpAddress } from "../net/address.ts";

export type ExposureMode = "hostNetwork" | "nodePort";
export type XdsProtocol = "delta" | "sotw";
export type DatapathMode = "off" | "tc" | "sklookup";
/** Which Envoy statistics exist (src/envoy/stats-config.ts): basic (bounded), cluster, all. */
export type EnvoyStatsDetail = "basic" | "cluster" | "all";

/** Read-only all the way down: a field written after load fails to typecheck. */
export type DeepReadonly<T> =
  T extends ReadonlyArray<infer U> ? ReadonlyArray<DeepReadonly<U>> : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/**
 * The configuration after load: never changed while running. What the node learns at run time
 * (labels and addresses from the Kubernetes API) lives in src/run/node-state.ts.
 */
export type ApplianceConfig = DeepReadonly<ApplianceConfigDraft>;

/**
 * The typed configuration while it is built: by check (from the file's form), by `run`'s flags
 * and by a test's setup. Listen addresses are parsed values; no code that runs parses them again.
 */
export type ApplianceConfigDraft = Omit<ApplianceConfigFile, "envoy" | "xds" | "health" | "admin"> & {
  envoy: Omit<ApplianceConfigFile["envoy"], "adminAddress"> & { adminAddress: ListenAddress };
  /** tcpAddress is absent when the TCP listener is off. */
  xds: { socket: string; tcpAddress?: TcpAddress };
  health: { address: ListenAddress };
  admin: { address: ListenAddress; allowNonLoopback: boolean };
};

/**
 * The configuration as config/edgegate.yaml spells it, over the defaults: the schema load checks
 * the file against (each key's default gives its type). src/config/check.ts turns it into the typed
 * ApplianceConfig.
 */
export interface ApplianceConfigFile {
  node: {
    /** Defaults to the machine's hostname. */
    name: string;
    labels: Record<string, string>;
    /** Addresses reported in Gateway and Ingress status and steered in host-network mode. */
    addresses: string[];
  };
  /** This node serves traffic only when its labels match (an empty selector matches every node). */
  nodes: { matchLabels: Record<string, string> };
  /** GatewayClasses whose spec.controllerName equals this are served. */
  controllerName: string;
  /** IngressClass spec.controller served; Ingresses of classes with this controller are served. */
  ingressController: string;
  source: {
    /** File mode: files or folders (recursive) of multi-document YAML, relative to the config file. */
    paths: string[];
    /** File mode: a larger file is refused with a problem (its previous objects stay in force). */
    maxFileBytes: number;
    /** File mode: how long a file must stay emptied, shortened or deleted before its objects go. */
    settleMs: number;
    /** Kubernetes mode when set (see the Kubernetes mode section of the README). */
    kubernetes?: {
      kubeconfig?: string;
      inCluster: boolean;
      /** kubeconfig context; "" = current-context. */
      context?: string;
      /** Lease that elects the one status writer; "" = the service account's namespace (in-cluster) or edgegate-system. */
      leaseNamespace?: string;
      leaseName?: string;
      leaseDurationSeconds?: number;
      /** Status writes per second at most (server-side apply PATCHes). */
      statusQps?: number;
    };
  };
  exposure: {
    mode: ExposureMode;
    /** Address Envoy binds gateway listeners to when a Gateway has no spec.addresses. */
    bindAddress: string;
    /** nodePort mode: gateway listener port -> node port. */
    nodePorts: Record<string, number>;
    /**
     * Addresses (or IPv4 CIDRs) handed to Gateways that have no spec.addresses, one each, so that
     * several Gateways can use the same port on one node.
     */
    addressPool: string[];
  };
  http: {
    /** Trusted proxies in front of edgegate (XFF hops to skip when finding the client address). */
    xffNumTrustedHops: number;
  };
  envoy: {
    /** Envoy binary; looked up on PATH when not absolute. */
    path: string;
    args: string[];
    /** "unix:///path" or "127.0.0.1:PORT"; never a non-loopback address. */
    adminAddress: string;
    /** Seconds between /drain_listeners and SIGTERM on shutdown. */
    drainSeconds: number;
    xdsProtocol: XdsProtocol;
    /** Overload manager: refuse new downstream connections past this many. */
    maxDownstreamConnections: number;
    concurrency: number;
    logLevel: "trace" | "debug" | "info" | "warning" | "error" | "critical" | "off";
    /**
     * "" (default): edgegate starts Envoy itself. "unix:///run/edgegate/launcher.sock": Envoy is
     * started by `edgegate launcher` listening there, in Envoy's own container of the pod, so
     * it survives a restart of edgegate's container.
     */
    launcher: string;
    /** basic: series grow with listeners only; cluster: + per-cluster golden signals; all: everything. */
    stats: { detail: EnvoyStatsDetail };
  };
  xds: {
    /** Unix socket for the local Envoy (mode 0600). */
    socket: string;
    /**
     * Optional TCP listener for other xDS clients (proxyless gRPC); "" disables it. Loopback only:
     * xDS on TCP is plaintext and unauthenticated.
     */
    tcpAddress: string;
  };
  /**
   * /healthz, /livez, /readyz: reachable by an external load balancer or NodePort probe. The
   * default port 10266 stays clear of kube-proxy's healthz (10256) on the same host network.
   */
  health: { address: string };
  /**
   * /status and /metrics: operators only. Loopback or a Unix socket unless allowNonLoopback is
   * set: /status shows the whole configuration and its problems.
   */
  admin: { address: string; allowNonLoopback: boolean };
  datapath: {
    mode: DatapathMode;
    /** Interfaces whose ingress is steered (tc mode). */
    interfaces: string[];
    bpffs: string;
    /**
     * cgroup v2 folder Envoy is placed in; connect() from it is limited to the routes' backends,
     * loopback and policy egress allows. "" leaves egress unrestricted.
     */
    egressCgroup: string;
  };
  log: { level: "debug" | "info" | "warn" | "error"; format: "json" | "text" };
}

/** The typed defaults: what runs when the file does not say otherwise. */
export function defaultConfig(hostname: string): ApplianceConfigDraft {
  return {
    node: { name: hostname, labels: {}, addresses: [] },
    nodes: { matchLabels: {} },
    controllerName: "edgegate.io/gateway-controller",
    ingressController: "edgegate.io/ingress-controller",
    source: { paths: [], maxFileBytes: 128 * 1024 * 1024, settleMs: 1000 },
    exposure: { mode: "hostNetwork", bindAddress: "0.0.0.0", nodePorts: {}, addressPool: [] },
    http: { xffNumTrustedHops: 0 },
    envoy: {
      path: "envoy",
      args: [],
      adminAddress: { kind: "tcp", host: "127.0.0.1", port: 9902 },
      drainSeconds: 15,
      xdsProtocol: "delta",
      maxDownstreamConnections: 50000,
      concurrency: 0,
      logLevel: "info",
      launcher: "",
      stats: { detail: "basic" },
    },
    xds: { socket: "/run/edgegate/xds.sock" },
    health: { address: { kind: "tcp", host: "0.0.0.0", port: 10266 } },
    admin: { address: { kind: "tcp", host: "127.0.0.1", port: 9901 }, allowNonLoopback: false },
    datapath: { mode: "off", interfaces: [], bpffs: "/sys/fs/bpf/edgegate", egressCgroup: "" },
    log: { level: "info", format: "json" },
  };
}

/** The defaults in the file's form (the schema load checks config/edgegate.yaml against): the typed ones, spelled. */
export function defaultConfigFile(hostname: string): ApplianceConfigFile {
  const c = defaultConfig(hostname);
  return {
    ...c,
    envoy: { ...c.envoy, adminAddress: formatAddress(c.envoy.adminAddress) },
    xds: { socket: c.xds.socket, tcpAddress: c.xds.tcpAddress ? formatAddress(c.xds.tcpAddress) : "" },
    health: { address: formatAddress(c.health.address) },
    admin: { address: formatAddress(c.admin.address), allowNonLoopback: c.admin.allowNonLoopback },
  };
}
