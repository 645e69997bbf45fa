// Which clusters a resource refers to: what make-before-break needs to know so that a cluster is
// removed from a client only once nothing that client has accepted still routes to it.
import { fromBinary, type Message } from "@bufbuild/protobuf";
import type { RouteConfiguration } from "../../gen/envoy/config/route/v3/route_pb.ts";
import type { VirtualHost } from "../../gen/envoy/config/route/v3/route_components_pb.ts";
import type { Listener } from "../../gen/envoy/config/listener/v3/listener_pb.ts";
import { TcpProxySchema } from "../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.ts";

const tcpProxyUrl = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
const byVhost = new WeakMap<VirtualHost, readonly string[]>();

function vhostRefs(vh: VirtualHost): readonly string[] {
  let refs = byVhost.get(vh);
  if (refs) return refs;
  const out = new Set<string>();
  for (const r of vh.routes) {
    if (r.action.case !== "route") continue;
    const a = r.action.value;
    if (a.clusterSpecifier.case === "cluster") out.add(a.clusterSpecifier.value);
    else if (a.clusterSpecifier.case === "weightedClusters") for (const c of a.clusterSpecifier.value.clusters) out.add(c.name);
    for (const m of a.requestMirrorPolicies) out.add(m.cluster);
  }
  refs = [...out];
  byVhost.set(vh, refs);
  return refs;
}

export function routeConfigRefs(rc: RouteConfiguration): readonly string[] {
  if (rc.virtualHosts.length === 1) return vhostRefs(rc.virtualHosts[0]!);
  const out = new Set<string>();
  for (const vh of rc.virtualHosts) for (const c of vhostRefs(vh)) out.add(c);
  return [...out];
}

export function listenerRefs(l: Listener): readonly string[] {
  const out = new Set<string>();
  for (const fc of l.filterChains) {
    for (const f of fc.filters) {
      if (f.configType.case !== "typedConfig" || f.configType.value.typeUrl !== tcpProxyUrl) continue;
      const tp = fromBinary(TcpProxySchema, f.configType.value.value);
      if (tp.clusterSpecifier.case === "cluster") out.add(tp.clusterSpecifier.value);
      else if (tp.clusterSpecifier.case === "weightedClusters") for (const c of tp.clusterSpecifier.value.clusters) out.add(c.name);
    }
  }
  return [...out];
}

/** Clusters a resource of the given type refers to (none for clusters, endpoints, secrets). */
export function refsOf(short: string, msg: Message): readonly string[] | undefined {
  if (short === "rds") return routeConfigRefs(msg as RouteConfiguration);
  if (short === "lds") return listenerRefs(msg as Listener);
  return undefined;
}
