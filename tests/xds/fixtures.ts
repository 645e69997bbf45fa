// Hand-built xDS resources of the shape proxyless gRPC clients consume (the lead's emitter will
// produce the same shapes from GRPCRoutes): an api_listener whose HttpConnectionManager gets its
// routes over ADS (RDS), EDS clusters, and ClusterLoadAssignments on 127.0.0.1.
import { create } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { ListenerSchema, type Listener } from "../../src/gen/envoy/config/listener/v3/listener_pb.ts";
import { HttpConnectionManagerSchema } from "../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import { TcpProxySchema } from "../../src/gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.ts";
import { RouterSchema } from "../../src/gen/envoy/extensions/filters/http/router/v3/router_pb.ts";
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy, type Cluster } from "../../src/gen/envoy/config/cluster/v3/cluster_pb.ts";
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from "../../src/gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../src/gen/envoy/config/route/v3/route_pb.ts";
import { RouteSchema, type Route } from "../../src/gen/envoy/config/route/v3/route_components_pb.ts";
import type { XdsResources } from "../../src/xds/resources.ts";

/** A Listener for `xds:///<name>` whose routes come over ADS from RouteConfiguration `routeConfig`. */
export function apiListener(name: string, routeConfig: string): Listener {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: name,
    routeSpecifier: {
      case: "rds",
      value: { routeConfigName: routeConfig, configSource: { resourceApiVersion: 2, configSourceSpecifier: { case: "ads", value: {} } } },
    },
    httpFilters: [{ name: "envoy.filters.http.router", configType: { case: "typedConfig", value: anyPack(RouterSchema, create(RouterSchema)) } }],
  });
  return create(ListenerSchema, { name, apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, hcm) } });
}

/** An Envoy listener on 127.0.0.1:PORT whose one HTTP filter chain takes routes from `routeConfig` over ADS. */
export function envoyListener(name: string, routeConfig: string, port = 10080): Listener {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: name,
    routeSpecifier: {
      case: "rds",
      value: { routeConfigName: routeConfig, configSource: { resourceApiVersion: 2, configSourceSpecifier: { case: "ads", value: {} } } },
    },
    httpFilters: [{ name: "envoy.filters.http.router", configType: { case: "typedConfig", value: anyPack(RouterSchema, create(RouterSchema)) } }],
  });
  return create(ListenerSchema, {
    name,
    address: { address: { case: "socketAddress", value: { address: "127.0.0.1", portSpecifier: { case: "portValue", value: port } } } },
    filterChains: [
      {
        filters: [
          { name: "envoy.filters.network.http_connection_manager", configType: { case: "typedConfig", value: anyPack(HttpConnectionManagerSchema, hcm) } },
        ],
      },
    ],
  });
}

/** An Envoy listener that proxies TCP to `cluster` (TLS passthrough's shape). */
export function tcpListener(name: string, cluster: string, port = 10443): Listener {
  const tp = create(TcpProxySchema, { statPrefix: name, clusterSpecifier: { case: "cluster", value: cluster } });
  return create(ListenerSchema, {
    name,
    address: { address: { case: "socketAddress", value: { address: "127.0.0.1", portSpecifier: { case: "portValue", value: port } } } },
    filterChains: [{ filters: [{ name: "envoy.filters.network.tcp_proxy", configType: { case: "typedConfig", value: anyPack(TcpProxySchema, tp) } }] }],
  });
}

export type Action = string | { weighted: Record<string, number> };

/** A route: a gRPC method (exact path), a service (path prefix) or everything, plus header matches. */
export interface RouteSpec {
  method?: string;
  prefix?: string;
  headers?: Record<string, string>;
  stringMatch?: boolean;
  to: Action;
}

export function route(spec: RouteSpec): Route {
  // exact_match, not string_match: gRPC C-core 1.51 (Debian's python3-grpcio) NACKs the whole
  // RouteConfiguration with "Invalid route header matcher specified" for string_match, while
  // grpc-js-xds and Envoy accept both. stringMatch: true builds the newer form.
  const headers = Object.entries(spec.headers ?? {}).map(([name, exact]) => ({
    name,
    headerMatchSpecifier: spec.stringMatch
      ? { case: "stringMatch" as const, value: { matchPattern: { case: "exact" as const, value: exact } } }
      : { case: "exactMatch" as const, value: exact },
  }));
  const clusterSpecifier =
    typeof spec.to === "string"
      ? { case: "cluster" as const, value: spec.to }
      : { case: "weightedClusters" as const, value: { clusters: Object.entries(spec.to.weighted).map(([name, weight]) => ({ name, weight })) } };
  const pathSpecifier = spec.method ? { case: "path" as const, value: spec.method } : { case: "prefix" as const, value: spec.prefix ?? "" };
  return create(RouteSchema, { match: { pathSpecifier, headers }, action: { case: "route", value: { clusterSpecifier } } });
}

export function routeConfig(name: string, routes: Route[], domains: string[] = ["*"]): RouteConfiguration {
  return create(RouteConfigurationSchema, { name, virtualHosts: [{ name: `${name}-vh`, domains, routes }] });
}

export function edsCluster(name: string): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: { resourceApiVersion: 2, configSourceSpecifier: { case: "ads", value: {} } } },
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
  });
}

/** grpc-js-xds accepts only EDS, LOGICAL_DNS and aggregate clusters: this one it NACKs. */
export function staticCluster(name: string, port: number): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.STATIC },
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
    loadAssignment: endpoints(name, [port]),
  });
}

export function endpoints(cluster: string, ports: number[]): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName: cluster,
    endpoints: [
      {
        locality: { region: "local" },
        loadBalancingWeight: 1,
        lbEndpoints: ports.map((port) => ({
          hostIdentifier: {
            case: "endpoint" as const,
            value: {
              address: {
                address: { case: "socketAddress" as const, value: { address: "127.0.0.1", portSpecifier: { case: "portValue" as const, value: port } } },
              },
            },
          },
        })),
      },
    ],
  });
}

export function resources(parts: Partial<XdsResources>): XdsResources {
  return { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [], ...parts };
}
