// The xDS resources edgegate serves, as protobuf-es messages. emit/ builds them (pure), the ADS
// server serves them, `render` prints them as Envoy's canonical proto3 JSON.
import type { Listener } from "../gen/envoy/config/listener/v3/listener_pb.ts";
import type { RouteConfiguration } from "../gen/envoy/config/route/v3/route_pb.ts";
import type { Cluster } from "../gen/envoy/config/cluster/v3/cluster_pb.ts";
import type { ClusterLoadAssignment } from "../gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import type { Secret } from "../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.ts";

export interface XdsResources {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
  secrets: Secret[];
}

export const TypeUrl = {
  listener: "type.googleapis.com/envoy.config.listener.v3.Listener",
  route: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
  cluster: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
  endpoint: "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
  secret: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
} as const;
export type TypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/**
 * Order in which a change is pushed so nothing refers to a resource the client has not seen: see
 * src/xds/cache/order.ts for every rule (route configurations before the listeners naming them).
 */
export const pushOrder: readonly TypeUrl[] = [TypeUrl.cluster, TypeUrl.endpoint, TypeUrl.secret, TypeUrl.route, TypeUrl.listener];
