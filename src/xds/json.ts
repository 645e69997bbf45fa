// xDS resources as Envoy's canonical proto3 JSON (what `render` prints and Envoy's
// config_dump shows): lowerCamelCase fields, defaults omitted, `@type` on every Any.
import { createRegistry, toJson, type JsonValue } from "@bufbuild/protobuf";
import { file_envoy_config_listener_v3_listener } from "../gen/envoy/config/listener/v3/listener_pb.ts";
import { file_envoy_config_route_v3_route } from "../gen/envoy/config/route/v3/route_pb.ts";
import { file_envoy_config_cluster_v3_cluster, ClusterSchema } from "../gen/envoy/config/cluster/v3/cluster_pb.ts";
import { file_envoy_config_endpoint_v3_endpoint, ClusterLoadAssignmentSchema } from "../gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager } from "../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import { file_envoy_extensions_filters_http_router_v3_router } from "../gen/envoy/extensions/filters/http/router/v3/router_pb.ts";
import { file_envoy_extensions_filters_http_cors_v3_cors } from "../gen/envoy/extensions/filters/http/cors/v3/cors_pb.ts";
import { file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy } from "../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.ts";
import { file_envoy_extensions_filters_udp_udp_proxy_v3_udp_proxy } from "../gen/envoy/extensions/filters/udp/udp_proxy/v3/udp_proxy_pb.ts";
import { file_envoy_extensions_filters_udp_udp_proxy_v3_route } from "../gen/envoy/extensions/filters/udp/udp_proxy/v3/route_pb.ts";
import { file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector } from "../gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.ts";
import { file_envoy_extensions_transport_sockets_tls_v3_tls } from "../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.ts";
import { file_envoy_extensions_transport_sockets_tls_v3_secret, SecretSchema } from "../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.ts";
import { file_envoy_extensions_access_loggers_stream_v3_stream } from "../gen/envoy/extensions/access_loggers/stream/v3/stream_pb.ts";
import { file_envoy_extensions_upstreams_http_v3_http_protocol_options } from "../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.ts";
import { ListenerSchema } from "../gen/envoy/config/listener/v3/listener_pb.ts";
import { RouteConfigurationSchema } from "../gen/envoy/config/route/v3/route_pb.ts";
import type { XdsResources } from "./resources.ts";

/** Every message type that can appear inside an Any in what edgegate emits. */
export const xdsRegistry = createRegistry(
  file_envoy_config_listener_v3_listener,
  file_envoy_config_route_v3_route,
  file_envoy_config_cluster_v3_cluster,
  file_envoy_config_endpoint_v3_endpoint,
  file_envoy_extensions_filters_network_http_connection_manager_v3_http_connection_manager,
  file_envoy_extensions_filters_http_router_v3_router,
  file_envoy_extensions_filters_http_cors_v3_cors,
  file_envoy_extensions_filters_network_tcp_proxy_v3_tcp_proxy,
  file_envoy_extensions_filters_udp_udp_proxy_v3_udp_proxy,
  file_envoy_extensions_filters_udp_udp_proxy_v3_route,
  file_envoy_extensions_filters_listener_tls_inspector_v3_tls_inspector,
  file_envoy_extensions_transport_sockets_tls_v3_tls,
  file_envoy_extensions_transport_sockets_tls_v3_secret,
  file_envoy_extensions_access_loggers_stream_v3_stream,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
);

export interface XdsJson {
  listeners: JsonValue[];
  routes: JsonValue[];
  clusters: JsonValue[];
  endpoints: JsonValue[];
  secrets: JsonValue[];
}

export function xdsToJson(x: XdsResources): XdsJson {
  const o = { registry: xdsRegistry };
  return {
    listeners: x.listeners.map((m) => toJson(ListenerSchema, m, o)),
    routes: x.routes.map((m) => toJson(RouteConfigurationSchema, m, o)),
    clusters: x.clusters.map((m) => toJson(ClusterSchema, m, o)),
    endpoints: x.endpoints.map((m) => toJson(ClusterLoadAssignmentSchema, m, o)),
    secrets: x.secrets.map((m) => toJson(SecretSchema, m, o)),
  };
}
