// What proxyless gRPC clients get, and how it is split. A client dialing xds:///NAME matches
// virtual hosts against NAME (gRFC A27) and rejects a whole RouteConfiguration for one thing it
// does not understand (gRFC A28 validation: any action other than `route`, a retry policy with
// num_retries 0...). So:
//   - a hostname's api listener names a RouteConfiguration of its own holding only the virtual
//     host that hostname selects: a bad rule on one hostname is rejected alone and never takes
//     another hostname's routes with it, and adding a hostname changes no other client's routes;
//   - a new hostname's api listener names a RouteConfiguration the client does not hold yet, so
//     the client waits for it (RPCs queue) instead of applying the listener to a cached
//     RouteConfiguration that lacks the host and failing the RPCs already waiting (issue 17).
import { create } from "@bufbuild/protobuf";
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy, type Cluster } from "../../gen/envoy/config/cluster/v3/cluster_pb.ts";
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from "../../gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import type { IrApiListener, IrRouteConfig, IrVirtualHost } from "../../ir/types.ts";
import { ads, duration } from "./common.ts";
import { UnavailableCluster } from "./routes.ts";

/** Name of the RouteConfiguration that serves one hostname's api listener. */
export function hostRouteConfigName(shared: string, hostname: string): string {
  return `${shared}/host/${hostname}`;
}

// gRPC's own choice of virtual host (grpc-js xds-dependency-manager, gRFC A27): exact beats
// suffix wildcard beats prefix wildcard beats "*"; within one kind the longest pattern wins.
function matchRank(pattern: string, host: string): number | undefined {
  if (pattern === "*") return 3;
  if (pattern.startsWith("*")) return host.endsWith(pattern.slice(1)) ? 1 : undefined;
  if (pattern.endsWith("*")) return host.startsWith(pattern.slice(0, -1)) ? 2 : undefined;
  return pattern.toLowerCase() === host.toLowerCase() ? 0 : undefined;
}

export function selectVirtualHost(vhosts: readonly IrVirtualHost[], host: string): IrVirtualHost | undefined {
  let best: { vh: IrVirtualHost; rank: number; len: number } | undefined;
  for (const vh of vhosts) {
    for (const d of vh.domains) {
      const rank = matchRank(d, host);
      if (rank === undefined) continue;
      if (!best || rank < best.rank || (rank === best.rank && d.length > best.len)) best = { vh, rank, len: d.length };
    }
  }
  return best?.vh;
}

export interface ProxylessPlan {
  /** The api listeners as emitted: hostname listeners point at their own route configuration. */
  apiListeners: IrApiListener[];
  /** One single-host route configuration per hostname api listener. */
  hostRouteConfigs: IrRouteConfig[];
}

/**
 * Hostname api listeners are those whose name is an exact domain of their route configuration
 * (build.ts names them after GRPCRoute hostnames); the "<listener>.<gateway>.<namespace>" one keeps
 * the shared configuration, since a client that dials it may override its authority.
 */
export function planProxyless(apiListeners: readonly IrApiListener[], rcs: ReadonlyMap<string, IrRouteConfig>): ProxylessPlan {
  const out: ProxylessPlan = { apiListeners: [], hostRouteConfigs: [] };
  for (const a of apiListeners) {
    const rc = rcs.get(a.routeConfig);
    const exact = rc?.virtualHosts.some((vh) => vh.domains.includes(a.name));
    const vh = rc && exact ? selectVirtualHost(rc.virtualHosts, a.name) : undefined;
    if (!rc || !vh) {
      out.apiListeners.push(a);
      continue;
    }
    const name = hostRouteConfigName(rc.name, a.name);
    out.apiListeners.push({ name: a.name, routeConfig: name });
    out.hostRouteConfigs.push({ ...rc, name, virtualHosts: [vh] });
  }
  return out;
}

/** Does a proxyless configuration route anything to UnavailableCluster (see routes.ts)? */
export function needsUnavailable(rcs: readonly IrRouteConfig[]): boolean {
  return rcs.some((rc) =>
    rc.virtualHosts.some((vh) => vh.routes.some((r) => r.action.type !== "forward" || r.action.backends.some((b) => b.cluster === undefined))),
  );
}

/** The endpoint-less EDS cluster proxyless routes to unresolved backends point at. */
export function unavailableCluster(): { cluster: Cluster; endpoints: ClusterLoadAssignment } {
  return {
    cluster: create(ClusterSchema, {
      name: UnavailableCluster,
      connectTimeout: duration(5_000),
      lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
      clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.EDS },
      edsClusterConfig: { edsConfig: ads() },
    }),
    endpoints: create(ClusterLoadAssignmentSchema, { clusterName: UnavailableCluster, endpoints: [] }),
  };
}
