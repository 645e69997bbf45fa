// Listeners for TCPRoute and UDPRoute (IrListener.tcp / .udp): Envoy's tcp_proxy network filter
// with weighted clusters, and Envoy's udp_proxy listener filter on a UDP socket. udp_proxy routes
// to one cluster (a weighted split is a composite cluster, see ClusterSet.composite); it is chosen
// through the filter's matcher (on_no_match -> Route), the form that replaced its deprecated
// `cluster` field.
import { create } from "@bufbuild/protobuf";
import { ListenerSchema, type Listener } from "../../gen/envoy/config/listener/v3/listener_pb.ts";
import type { FilterChainSchema } from "../../gen/envoy/config/listener/v3/listener_components_pb.ts";
import { SocketAddress_Protocol } from "../../gen/envoy/config/core/v3/address_pb.ts";
import { TcpProxySchema } from "../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.ts";
import { UdpProxyConfigSchema } from "../../gen/envoy/extensions/filters/udp/udp_proxy/v3/udp_proxy_pb.ts";
import { RouteSchema as UdpRouteSchema } from "../../gen/envoy/extensions/filters/udp/udp_proxy/v3/route_pb.ts";
import type { IrListener } from "../../ir/types.ts";
import { pack, typed, type Init } from "./common.ts";
import type { EmitOptions } from "./options.ts";
import { originLabel } from "../../ir/origin.ts";

export function tcpRouteChain(l: IrListener & { tcp: NonNullable<IrListener["tcp"]> }): Init<typeof FilterChainSchema> {
  const b = l.tcp.backends;
  return {
    name: "tcp",
    filters: [
      typed("envoy.filters.network.tcp_proxy", TcpProxySchema, {
        statPrefix: l.tcp.statPrefix,
        clusterSpecifier:
          b.length === 1
            ? { case: "cluster", value: b[0]!.cluster! }
            : { case: "weightedClusters", value: { clusters: b.map((x) => ({ name: x.cluster!, weight: x.weight })) } },
      }),
    ],
  };
}

export function emitUdpListener(l: IrListener & { udp: NonNullable<IrListener["udp"]> }, o: EmitOptions): Listener {
  const address = (a: string) => ({
    address: {
      case: "socketAddress" as const,
      value: { protocol: SocketAddress_Protocol.UDP, address: a, portSpecifier: { case: "portValue" as const, value: l.port } },
    },
  });
  return create(ListenerSchema, {
    name: l.name,
    address: address(l.address),
    additionalAddresses: l.extraAddresses.map((a) => ({ address: address(a) })),
    transparent: o.transparent ? true : undefined,
    listenerFilters: [
      typed("envoy.filters.udp_listener.udp_proxy", UdpProxyConfigSchema, {
        statPrefix: l.udp.statPrefix,
        routeSpecifier: {
          case: "matcher",
          value: { onNoMatch: { onMatch: { case: "action", value: { name: "route", typedConfig: pack(UdpRouteSchema, { cluster: l.udp.cluster }) } } } },
        },
      }),
    ],
    metadata: { filterMetadata: { "edgegate.io": { origins: l.origins.map(originLabel) } } },
  });
}
