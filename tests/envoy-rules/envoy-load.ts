// What Envoy checks when it loads resources, beyond the protos' PGV rules: each rule cites the
// Envoy behaviour it stands for. Works on the protobuf-es messages edgegate emits.
import type { Registry } from "@bufbuild/protobuf";
import type { ReflectMessage } from "@bufbuild/protobuf/reflect";
import { anyUnpack, type Any } from "@bufbuild/protobuf/wkt";
import type { Bootstrap } from "../../src/gen/envoy/config/bootstrap/v3/bootstrap_pb.ts";
import type { Cluster } from "../../src/gen/envoy/config/cluster/v3/cluster_pb.ts";
import type { Listener } from "../../src/gen/envoy/config/listener/v3/listener_pb.ts";
import type { FilterChainMatch } from "../../src/gen/envoy/config/listener/v3/listener_components_pb.ts";
import type { RouteConfiguration } from "../../src/gen/envoy/config/route/v3/route_pb.ts";
import type { CommonTlsContext } from "../../src/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.ts";
import type { HttpConnectionManager } from "../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import type { TcpProxy } from "../../src/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.ts";
import type { XdsResources } from "../../src/xds/resources.ts";
import { Cluster_DiscoveryType } from "../../src/gen/envoy/config/cluster/v3/cluster_pb.ts";
import type { ClusterLoadAssignment } from "../../src/gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { isIP } from "node:net";
import { SocketAddress_Protocol } from "../../src/gen/envoy/config/core/v3/address_pb.ts";
import { InvalidBackendCluster } from "../../src/xds/emit/routes.ts";
import { RE2_MAX_PROGRAM_SIZE } from "../../src/validate/regex-limit.ts";
import type { Re2 } from "../../src/re2/re2.ts";
import type { MessageHook, Violation } from "./pgv.ts";

const T = {
  hcm: "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  tcpProxy: "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
  router: "envoy.extensions.filters.http.router.v3.Router",
  tlsInspector: "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector",
  downstreamTls: "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
  upstreamTls: "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
} as const;

const typeOf = (a: Any | undefined): string => (a ? a.typeUrl.slice(a.typeUrl.lastIndexOf("/") + 1) : "");

/** Hooks for the PGV walk: RE2 and Envoy's HeaderParser rules on the messages that carry them. */
export function envoyHooks(re2: Re2): Map<string, MessageHook> {
  const str = (m: ReflectMessage, name: string): string => {
    const f = m.fields.find((x) => x.name === name);
    return f ? String(m.get(f)) : "";
  };
  const list = (m: ReflectMessage, name: string): string[] => {
    const v = (m.message as unknown as Record<string, unknown>)[m.fields.find((x) => x.name === name)?.localName ?? ""];
    return Array.isArray(v) ? (v as string[]) : [];
  };
  // Envoy's HeaderParser: "':-prefixed or host headers may not be modified/removed".
  const modifiable = (name: string): boolean => !name.startsWith(":") && name.toLowerCase() !== "host";
  const removeLists: MessageHook = (m, path, report) => {
    for (const field of ["request_headers_to_remove", "response_headers_to_remove"]) {
      list(m, field).forEach((h, i) => {
        if (!modifiable(h)) report(`${path}.${field}[${i}]`, `Envoy refuses to remove ${JSON.stringify(h)} (:-prefixed or host headers may not be removed)`);
      });
    }
  };
  return new Map<string, MessageHook>([
    [
      "envoy.type.matcher.v3.RegexMatcher",
      (m, path, report) => {
        // Envoy's CompiledGoogleReMatcher: RE2 must compile it, program size within the runtime limit.
        const c = re2.compile(str(m, "regex"));
        if (!c.ok) report(`${path}.regex`, `RE2 refuses it: ${c.error}`);
        else if (c.programSize > RE2_MAX_PROGRAM_SIZE)
          report(`${path}.regex`, `RE2 program size ${c.programSize} > re2.max_program_size.error_level ${RE2_MAX_PROGRAM_SIZE}`);
      },
    ],
    [
      "envoy.type.matcher.v3.RegexMatchAndSubstitute",
      (m, path, report) => {
        const pattern = (m.message as unknown as { pattern?: { regex: string } }).pattern?.regex ?? "";
        // RE2::GlobalReplace with a rewrite RE2 rejects does nothing (and logs): the rewrite silently fails.
        const why = re2.rewriteError(pattern, str(m, "substitution"));
        if (why !== undefined) report(`${path}.substitution`, `not a valid RE2 rewrite string for ${JSON.stringify(pattern)}: ${why}`);
      },
    ],
    [
      "envoy.config.core.v3.HeaderValue",
      (m, path, report) => {
        const key = str(m, "key");
        if (!modifiable(key)) report(`${path}.key`, `Envoy refuses to add ${JSON.stringify(key)} (:-prefixed or host headers may not be modified)`);
        // Header values are substitution-format strings: a lone % is a parse error in Envoy;
        // edgegate emits no %COMMAND%, so every % must be the escaped %%.
        if (str(m, "value").replaceAll("%%", "").includes("%"))
          report(`${path}.value`, `${JSON.stringify(str(m, "value"))} has an unescaped % (Envoy parses header values as format strings)`);
      },
    ],
    ["envoy.config.route.v3.Route", removeLists],
    ["envoy.config.route.v3.VirtualHost", removeLists],
    ["envoy.config.route.v3.RouteConfiguration", removeLists],
    ["envoy.config.route.v3.WeightedCluster.ClusterWeight", removeLists],
  ]);
}

function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return [...dup];
}

/** Every leaf of Envoy's filter-chain match tree one FilterChainMatch claims. */
function matchKeys(m: FilterChainMatch | undefined): string[] {
  const or = <T>(xs: readonly T[]): Array<T | ""> => (xs.length > 0 ? [...xs] : [""]);
  const cidr = (c: { addressPrefix: string; prefixLen?: number }): string => `${c.addressPrefix}/${c.prefixLen ?? ""}`;
  if (!m) return [JSON.stringify([])];
  const keys: string[] = [];
  for (const dip of or(m.prefixRanges.map(cidr)))
    for (const sn of or(m.serverNames))
      for (const alpn of or(m.applicationProtocols))
        for (const dsp of or(m.directSourcePrefixRanges.map(cidr)))
          for (const sp of or(m.sourcePrefixRanges.map(cidr)))
            for (const sport of or(m.sourcePorts))
              keys.push(JSON.stringify([m.destinationPort ?? "", dip, sn.toLowerCase(), m.transportProtocol, alpn, dsp, m.sourceType, sp, sport]));
  return keys;
}

function sdsNames(c: CommonTlsContext | undefined): string[] {
  if (!c) return [];
  const out = c.tlsCertificateSdsSecretConfigs.map((s) => s.name);
  const vc = c.validationContextType;
  if (vc.case === "validationContextSdsSecretConfig") out.push(vc.value.name);
  if (vc.case === "combinedValidationContext" && vc.value.validationContextSdsSecretConfig) out.push(vc.value.validationContextSdsSecretConfig.name);
  return out;
}

export function envoyLoadChecks(x: XdsResources, registry: Registry): Violation[] {
  const out: Violation[] = [];
  const report = (path: string, message: string): void => void out.push({ path, message });
  const unpack = <M>(a: Any | undefined): M | undefined => (a ? (anyUnpack(a, registry) as M | undefined) : undefined);

  // Resource names are the keys of xDS: one name, one resource.
  for (const [type, names] of [
    ["listeners", x.listeners.map((l) => l.name)],
    ["routes", x.routes.map((r) => r.name)],
    ["clusters", x.clusters.map((c) => c.name)],
    ["endpoints", x.endpoints.map((e) => e.clusterName)],
    ["secrets", x.secrets.map((s) => s.name)],
  ] as const) {
    for (const d of duplicates(names)) report(type, `resource name ${JSON.stringify(d)} is used more than once`);
  }
  const routeNames = new Set(x.routes.map((r) => r.name));
  const clusterNames = new Set(x.clusters.map((c) => c.name));
  const secretNames = new Set(x.secrets.map((s) => s.name));
  const clusterRef = (name: string, path: string): void => {
    // The deliberate sentinel: with validate_clusters false Envoy answers 500 for it (routes.ts).
    if (name !== InvalidBackendCluster && !clusterNames.has(name)) report(path, `cluster ${JSON.stringify(name)} does not exist`);
  };

  const checkHcm = (hcm: HttpConnectionManager, p: string): void => {
    // Envoy: the router must be the terminal HTTP filter, and there is one.
    const routers = hcm.httpFilters
      .map((f, i) => [f, i] as const)
      .filter(([f]) => f.configType.case === "typedConfig" && typeOf(f.configType.value) === T.router);
    if (routers.length !== 1) report(`${p}.http_filters`, `the router filter must appear exactly once (found ${routers.length})`);
    else if (routers[0]![1] !== hcm.httpFilters.length - 1) report(`${p}.http_filters`, "the router filter must be the last HTTP filter");
    for (const d of duplicates(hcm.httpFilters.map((f) => f.name))) report(`${p}.http_filters`, `filter name ${JSON.stringify(d)} appears more than once`);
    if (hcm.routeSpecifier.case === "rds" && !routeNames.has(hcm.routeSpecifier.value.routeConfigName))
      report(`${p}.rds.route_config_name`, `RouteConfiguration ${JSON.stringify(hcm.routeSpecifier.value.routeConfigName)} does not exist`);
  };

  const addresses = new Map<string, string>();
  x.listeners.forEach((l: Listener, li) => {
    const lp = `listeners[${li}](${l.name})`;
    if (l.apiListener) {
      const hcm = unpack<HttpConnectionManager>(l.apiListener.apiListener);
      if (!hcm) report(`${lp}.api_listener`, "does not hold an HttpConnectionManager");
      else checkHcm(hcm, `${lp}.api_listener`);
      return;
    }
    // Envoy: "error adding listener '...': no filter chains specified" (a TCP listener; a UDP one
    // serves through its listener filters).
    const udp = l.address?.address.case === "socketAddress" && l.address.address.value.protocol === SocketAddress_Protocol.UDP;
    if (l.filterChains.length === 0 && !l.defaultFilterChain && !udp) report(lp, "no filter chains specified");
    if (udp && l.listenerFilters.length === 0) report(lp, "a UDP listener without filter chains needs a listener filter (udp_proxy)");
    // Envoy: "error adding listener: ... has duplicate address"
    const a = l.address?.address;
    if (a?.case === "socketAddress") {
      const key = `${a.value.protocol}:${a.value.address}:${a.value.portSpecifier.case === "portValue" ? a.value.portSpecifier.value : ""}`;
      const prev = addresses.get(key);
      if (prev !== undefined) report(lp, `duplicate address ${key} (also listener ${prev})`);
      else addresses.set(key, l.name);
    }
    // Envoy: "multiple filter chains with the same matching rules are defined"
    const claimed = new Map<string, number>();
    let needsInspector = false;
    l.filterChains.forEach((fc, ci) => {
      const cp = `${lp}.filter_chains[${ci}]`;
      for (const k of matchKeys(fc.filterChainMatch)) {
        const prev = claimed.get(k);
        if (prev !== undefined) report(cp, `has the same matching rules as filter_chains[${prev}] (${k})`);
        else claimed.set(k, ci);
      }
      const m = fc.filterChainMatch;
      if (m && (m.serverNames.length > 0 || m.transportProtocol === "tls" || m.applicationProtocols.length > 0)) needsInspector = true;
      fc.filters.forEach((f, fi) => {
        const fp = `${cp}.filters[${fi}]`;
        const t = f.configType.case === "typedConfig" ? typeOf(f.configType.value) : "";
        const terminal = t === T.hcm || t === T.tcpProxy;
        // Envoy: a terminal network filter must be the last one in its chain.
        if (terminal && fi !== fc.filters.length - 1) report(fp, `terminal filter ${t} must be the last network filter`);
        if (t === T.hcm && f.configType.case === "typedConfig") {
          const hcm = unpack<HttpConnectionManager>(f.configType.value);
          if (hcm) checkHcm(hcm, fp);
        }
        if (t === T.tcpProxy && f.configType.case === "typedConfig") {
          const tp = unpack<TcpProxy>(f.configType.value);
          if (tp?.clusterSpecifier.case === "cluster") clusterRef(tp.clusterSpecifier.value, `${fp}.cluster`);
          if (tp?.clusterSpecifier.case === "weightedClusters")
            tp.clusterSpecifier.value.clusters.forEach((c, i) => clusterRef(c.name, `${fp}.weighted_clusters.clusters[${i}]`));
        }
      });
      if (fc.filters.length === 0) report(cp, "has no network filters");
      const ts = fc.transportSocket?.configType;
      if (ts?.case === "typedConfig" && typeOf(ts.value) === T.downstreamTls) {
        const tls = unpack<{ commonTlsContext?: CommonTlsContext }>(ts.value);
        for (const n of sdsNames(tls?.commonTlsContext))
          if (!secretNames.has(n)) report(`${cp}.transport_socket`, `SDS secret ${JSON.stringify(n)} does not exist`);
      }
    });
    // Envoy matches server_names / transport_protocol "tls" only with the TLS inspector's data.
    const hasInspector = l.listenerFilters.some((f) => f.configType.case === "typedConfig" && typeOf(f.configType.value) === T.tlsInspector);
    if (needsInspector && !hasInspector) report(`${lp}.listener_filters`, "filter chains match on SNI/TLS but the TLS inspector is missing");
  });

  x.routes.forEach((rc: RouteConfiguration, ri) => {
    const rp = `routes[${ri}](${rc.name})`;
    // Envoy: "Only unique values for domains are permitted. Duplicate entry of domain X"
    const domains = new Map<string, string>();
    let wildcards = 0;
    for (const vh of rc.virtualHosts) {
      for (const d of vh.domains) {
        const k = d.toLowerCase();
        if (k === "*") wildcards++;
        const prev = domains.get(k);
        if (prev !== undefined) report(`${rp}.virtual_hosts(${vh.name}).domains`, `domain ${JSON.stringify(d)} is also in virtual host ${prev}`);
        else domains.set(k, vh.name);
      }
      vh.routes.forEach((r, i) => {
        const p = `${rp}.virtual_hosts(${vh.name}).routes[${i}]`;
        if (r.action.case !== "route") return;
        const a = r.action.value;
        if (a.clusterSpecifier.case === "cluster") clusterRef(a.clusterSpecifier.value, `${p}.route.cluster`);
        if (a.clusterSpecifier.case === "weightedClusters") {
          const wc = a.clusterSpecifier.value;
          wc.clusters.forEach((c, ci) => clusterRef(c.name, `${p}.route.weighted_clusters.clusters[${ci}]`));
          // Envoy: "Sum of weights in the weighted_cluster must be greater than 0."
          if (wc.clusters.reduce((s, c) => s + (c.weight ?? 0), 0) <= 0) report(`${p}.route.weighted_clusters`, "the sum of weights must be greater than 0");
        }
        a.requestMirrorPolicies.forEach((m, mi) => clusterRef(m.cluster, `${p}.route.request_mirror_policies[${mi}].cluster`));
      });
    }
    if (wildcards > 1) report(rp, "only a single wildcard (*) domain is permitted");
  });

  // EDS and STATIC endpoints are IP addresses; Envoy refuses a hostname there ("malformed IP address").
  const checkIps = (cla: ClusterLoadAssignment | undefined, p: string): void => {
    cla?.endpoints.forEach((l, li) =>
      l.lbEndpoints.forEach((e, ei) => {
        const a = e.hostIdentifier.case === "endpoint" ? e.hostIdentifier.value.address?.address : undefined;
        if (a?.case === "socketAddress" && isIP(a.value.address) === 0)
          report(`${p}.endpoints[${li}].lb_endpoints[${ei}]`, `${JSON.stringify(a.value.address)} is not an IP address`);
      }),
    );
  };
  x.endpoints.forEach((e, i) => checkIps(e, `endpoints[${i}](${e.clusterName})`));
  const endpointNames = new Set(x.endpoints.map((e) => e.clusterName));
  x.clusters.forEach((c: Cluster, ci) => {
    const cp = `clusters[${ci}](${c.name})`;
    const type = c.clusterDiscoveryType.case === "type" ? c.clusterDiscoveryType.value : undefined;
    const lbEndpoints = (c.loadAssignment?.endpoints ?? []).flatMap((l) => l.lbEndpoints);
    // Envoy: "LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single lb_endpoint".
    if (type === Cluster_DiscoveryType.LOGICAL_DNS && ((c.loadAssignment?.endpoints.length ?? 0) !== 1 || lbEndpoints.length !== 1))
      report(cp, "a LOGICAL_DNS cluster must have exactly one endpoint");
    // A STATIC cluster's addresses are parsed as IPs ("malformed IP address").
    if (type === Cluster_DiscoveryType.STATIC) checkIps(c.loadAssignment, `${cp}.load_assignment`);
    if (type === Cluster_DiscoveryType.EDS) {
      // An EDS cluster without its ClusterLoadAssignment never warms: Envoy waits for it forever.
      const service = c.edsClusterConfig?.serviceName || c.name;
      if (!endpointNames.has(service)) report(cp, `EDS cluster without a ClusterLoadAssignment named ${JSON.stringify(service)}`);
    }
    const ts = c.transportSocket?.configType;
    if (ts?.case === "typedConfig" && typeOf(ts.value) === T.upstreamTls) {
      const tls = unpack<{ commonTlsContext?: CommonTlsContext }>(ts.value);
      for (const n of sdsNames(tls?.commonTlsContext))
        if (!secretNames.has(n)) report(`${cp}.transport_socket`, `SDS secret ${JSON.stringify(n)} does not exist`);
    }
  });
  return out;
}

/** Envoy's load-time checks on the bootstrap: static cluster names unique, the ADS cluster exists. */
export function bootstrapLoadChecks(b: Bootstrap): Violation[] {
  const out: Violation[] = [];
  const names = b.staticResources?.clusters.map((c) => c.name) ?? [];
  for (const d of duplicates(names)) out.push({ path: "static_resources.clusters", message: `cluster ${JSON.stringify(d)} is defined more than once` });
  for (const [i, g] of (b.dynamicResources?.adsConfig?.grpcServices ?? []).entries()) {
    if (g.targetSpecifier.case === "envoyGrpc" && !names.includes(g.targetSpecifier.value.clusterName)) {
      out.push({
        path: `dynamic_resources.ads_config.grpc_services[${i}]`,
        message: `cluster ${JSON.stringify(g.targetSpecifier.value.clusterName)} is not a static cluster`,
      });
    }
  }
  return out;
}
