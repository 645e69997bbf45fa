// IR clusters -> Envoy Cluster and ClusterLoadAssignment. Endpoints travel over EDS so that an
// endpoint change never touches listeners or routes; DNS names use LOGICAL_DNS, which proxyless
// gRPC clients also understand.
import { create } from "@bufbuild/protobuf";
import { ClusterSchema, Cluster_DiscoveryType, Cluster_LbPolicy, Cluster_DnsLookupFamily, type Cluster } from "../../gen/envoy/config/cluster/v3/cluster_pb.ts";
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from "../../gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { HttpProtocolOptionsSchema } from "../../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.ts";
import type { IrCluster, IrUpstreamTls } from "../../ir/types.ts";
import type { TransportSocketSchema } from "../../gen/envoy/config/core/v3/base_pb.ts";
import { UpstreamTlsContextSchema } from "../../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.ts";
import { SubjectAltNameMatcher_SanType } from "../../gen/envoy/extensions/transport_sockets/tls/v3/common_pb.ts";
import type { LbEndpointSchema } from "../../gen/envoy/config/endpoint/v3/endpoint_components_pb.ts";
import type { Any } from "@bufbuild/protobuf/wkt";
import { ads, duration, pack, socketAddress, type Init } from "./common.ts";

const HttpOptionsName = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

/**
 * BackendTLSPolicy -> UpstreamTlsContext: SNI = the policy hostname; the CA comes over SDS and the
 * SAN matchers sit in the default validation context next to it (combined), so a CA rotation
 * touches one Secret, not the cluster.
 */
function upstreamTls(t: IrUpstreamTls): Init<typeof TransportSocketSchema> {
  return {
    name: "envoy.transport_sockets.tls",
    configType: {
      case: "typedConfig",
      value: pack(UpstreamTlsContextSchema, {
        sni: t.sni,
        commonTlsContext: {
          tlsCertificateSdsSecretConfigs: t.clientCertificate ? [{ name: t.clientCertificate, sdsConfig: ads() }] : [],
          validationContextType: {
            case: "combinedValidationContext",
            value: {
              defaultValidationContext: {
                matchTypedSubjectAltNames: t.sans.map((s) => ({
                  sanType: s.type === "URI" ? SubjectAltNameMatcher_SanType.URI : SubjectAltNameMatcher_SanType.DNS,
                  matcher: { matchPattern: { case: "exact" as const, value: s.value } },
                })),
              },
              validationContextSdsSecretConfig: { name: t.caSecret, sdsConfig: ads() },
            },
          },
        },
      }),
    },
  };
}

export function emitCluster(c: IrCluster): Cluster {
  const protocolOptions: Record<string, Any> =
    c.protocol === "h2c"
      ? {
          [HttpOptionsName]: pack(HttpProtocolOptionsSchema, {
            upstreamProtocolOptions: { case: "explicitHttpConfig", value: { protocolConfig: { case: "http2ProtocolOptions", value: {} } } },
          }),
        }
      : {};
  const common: Init<typeof ClusterSchema> = {
    name: c.name,
    connectTimeout: duration(5_000),
    lbPolicy: Cluster_LbPolicy.ROUND_ROBIN,
    typedExtensionProtocolOptions: protocolOptions,
    transportSocket: c.tls ? upstreamTls(c.tls) : undefined,
  };
  if (c.dns) {
    return create(ClusterSchema, {
      ...common,
      clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.LOGICAL_DNS },
      dnsLookupFamily: Cluster_DnsLookupFamily.V4_PREFERRED,
      loadAssignment: {
        clusterName: c.name,
        endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: "endpoint", value: { address: socketAddress(c.dns.hostname, c.dns.port) } } }] }],
      },
    });
  }
  return create(ClusterSchema, {
    ...common,
    clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { edsConfig: ads() },
  });
}

export function emitEndpoints(c: IrCluster): ClusterLoadAssignment | undefined {
  if (c.dns) return undefined;
  return create(ClusterLoadAssignmentSchema, {
    clusterName: c.name,
    // gRPC's xDS client needs a locality with a weight (it drops weight-0 localities); Envoy
    // ignores locality weights unless locality-weighted balancing is configured.
    endpoints: [
      {
        locality: {},
        loadBalancingWeight: 1,
        lbEndpoints: c.endpoints.map(
          (e): Init<typeof LbEndpointSchema> => ({
            hostIdentifier: { case: "endpoint", value: { address: socketAddress(e.address, e.port) } },
            ...(e.weight !== undefined ? { loadBalancingWeight: e.weight } : {}),
          }),
        ),
      },
    ],
  });
}
