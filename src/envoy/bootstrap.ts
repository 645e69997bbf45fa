// Envoy's bootstrap: the only static configuration the local Envoy gets. Everything that serves
// traffic (listeners, routes, clusters, endpoints, secrets) comes over ADS from edgegate's xDS
// server on a Unix socket; the bootstrap only says who Envoy is, where ADS is, where the admin API
// listens and which process-wide limits apply. Pure: config in, message/JSON out.
import { create, createRegistry, toJson, type JsonValue } from "@bufbuild/protobuf";
import { anyPack, DurationSchema } from "@bufbuild/protobuf/wkt";
import type { ApplianceConfig } from "../config/types.ts";
import { BootstrapSchema, file_envoy_config_bootstrap_v3_bootstrap, type Bootstrap } from "../gen/envoy/config/bootstrap/v3/bootstrap_pb.ts";
import { AddressSchema, type Address } from "../gen/envoy/config/core/v3/address_pb.ts";
import { ApiConfigSource_ApiType, ApiVersion, ConfigSourceSchema } from "../gen/envoy/config/core/v3/config_source_pb.ts";
import { Cluster_DiscoveryType } from "../gen/envoy/config/cluster/v3/cluster_pb.ts";
import {
  HttpProtocolOptionsSchema,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
} from "../gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.ts";
import {
  DownstreamConnectionsConfigSchema,
  file_envoy_extensions_resource_monitors_downstream_connections_v3_downstream_connections,
} from "../gen/envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections_pb.ts";
import { formatAddress } from "../net/address.ts";
import { adminAddressProblem, type AdminAddress } from "./admin-address.ts";
import { re2RuntimeLayer } from "../validate/regex-limit.ts";
import { statsConfig } from "./stats-config.ts";

/** The static cluster Envoy uses to reach edgegate's ADS server. */
export const XDS_CLUSTER = "xds_cluster";
/** node.cluster: every edgegate-managed Envoy reports the same service cluster. */
export const ENVOY_SERVICE_CLUSTER = "edgegate";
/** Name Envoy gives the proactive connection-count monitor; it must be spelled exactly so. */
export const DOWNSTREAM_CONNECTIONS_MONITOR = "envoy.resource_monitors.global_downstream_max_connections";

export class BootstrapError extends Error {
  override name = "BootstrapError";
}

const duration = (seconds: number) => create(DurationSchema, { seconds: BigInt(Math.trunc(seconds)), nanos: Math.round((seconds % 1) * 1e9) });

function addressOf(a: AdminAddress): Address {
  if (a.kind === "unix") return create(AddressSchema, { address: { case: "pipe", value: { path: a.path, mode: 0o600 } } });
  return create(AddressSchema, { address: { case: "socketAddress", value: { address: a.host, portSpecifier: { case: "portValue", value: a.port } } } });
}

export function buildBootstrap(config: ApplianceConfig): Bootstrap {
  const { envoy, xds, node } = config;
  if (!node.name) throw new BootstrapError("node.name is empty: Envoy needs a node id for xDS");
  if (!xds.socket.startsWith("/")) throw new BootstrapError(`xds.socket "${xds.socket}": must be an absolute path`);
  if (!Number.isInteger(envoy.maxDownstreamConnections) || envoy.maxDownstreamConnections < 1) {
    // Envoy treats 0 as "no limit" with a warning; an edge proxy without a limit can be exhausted
    // by one client, so edgegate refuses it rather than passing it through.
    throw new BootstrapError(`envoy.maxDownstreamConnections ${envoy.maxDownstreamConnections}: must be a positive integer`);
  }
  // Parsed and checked at load (src/config/check.ts); a configuration built in code gets the same
  // guard here: whoever reaches Envoy's admin API can reconfigure or stop the proxy.
  const admin = envoy.adminAddress;
  const adminProblem = adminAddressProblem(admin);
  if (adminProblem) throw new BootstrapError(`envoy.adminAddress "${formatAddress(admin)}": ${adminProblem}`);
  const ads = { case: "ads" as const, value: {} };

  return create(BootstrapSchema, {
    node: { id: node.name, cluster: ENVOY_SERVICE_CLUSTER },
    staticResources: {
      clusters: [
        {
          name: XDS_CLUSTER,
          clusterDiscoveryType: { case: "type", value: Cluster_DiscoveryType.STATIC },
          connectTimeout: duration(1),
          // gRPC needs HTTP/2; the ADS server speaks h2c over the Unix socket.
          typedExtensionProtocolOptions: {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": anyPack(
              HttpProtocolOptionsSchema,
              create(HttpProtocolOptionsSchema, {
                upstreamProtocolOptions: { case: "explicitHttpConfig", value: { protocolConfig: { case: "http2ProtocolOptions", value: {} } } },
              }),
            ),
          },
          loadAssignment: {
            clusterName: XDS_CLUSTER,
            endpoints: [
              {
                lbEndpoints: [
                  {
                    hostIdentifier: { case: "endpoint", value: { address: create(AddressSchema, { address: { case: "pipe", value: { path: xds.socket } } }) } },
                  },
                ],
              },
            ],
          },
        },
      ],
    },
    dynamicResources: {
      adsConfig: {
        apiType: envoy.xdsProtocol === "delta" ? ApiConfigSource_ApiType.DELTA_GRPC : ApiConfigSource_ApiType.GRPC,
        transportApiVersion: ApiVersion.V3,
        grpcServices: [{ targetSpecifier: { case: "envoyGrpc", value: { clusterName: XDS_CLUSTER } } }],
        // The node is sent once per stream; the ADS server remembers it per stream.
        setNodeOnFirstMessageOnly: true,
      },
      ldsConfig: create(ConfigSourceSchema, { configSourceSpecifier: ads, resourceApiVersion: ApiVersion.V3 }),
      cdsConfig: create(ConfigSourceSchema, { configSourceSpecifier: ads, resourceApiVersion: ApiVersion.V3 }),
    },
    // Which stats exist: bounded by default (envoy.stats.detail, src/envoy/stats-config.ts).
    statsConfig: statsConfig(envoy.stats.detail),
    admin: {
      address: addressOf(admin),
      // The supervisor must still reach /ready and /drain_listeners when the connection limit is hit.
      ignoreGlobalConnLimit: true,
    },
    overloadManager: {
      refreshInterval: duration(0.25),
      resourceMonitors: [
        {
          name: DOWNSTREAM_CONNECTIONS_MONITOR,
          configType: {
            case: "typedConfig",
            value: anyPack(
              DownstreamConnectionsConfigSchema,
              create(DownstreamConnectionsConfigSchema, { maxActiveDownstreamConnections: BigInt(envoy.maxDownstreamConnections) }),
            ),
          },
        },
      ],
    },
    // A static layer for edgegate's own runtime defaults, then the admin layer so an operator can
    // flip a runtime flag with POST /runtime_modify on the (loopback-only) admin API while
    // investigating; without an admin layer Envoy rejects runtime_modify.
    layeredRuntime: {
      layers: [
        // RE2's program-size limit: the same number `validate` enforces (src/validate/regex-limit.ts).
        { name: "edgegate-static", layerSpecifier: { case: "staticLayer", value: { ...re2RuntimeLayer } } },
        { name: "admin", layerSpecifier: { case: "adminLayer", value: {} } },
      ],
    },
  });
}

const registry = createRegistry(
  file_envoy_config_bootstrap_v3_bootstrap,
  file_envoy_extensions_upstreams_http_v3_http_protocol_options,
  file_envoy_extensions_resource_monitors_downstream_connections_v3_downstream_connections,
);

/** Proto3 JSON with proto field names (snake_case, as in Envoy's docs); Envoy reads it as-is. */
export function bootstrapJson(bootstrap: Bootstrap): JsonValue {
  return toJson(BootstrapSchema, bootstrap, { registry, useProtoFieldName: true });
}

/** The file written to disk for `envoy --config-path`; stable bytes for the same config. */
export function renderBootstrap(config: ApplianceConfig): string {
  return JSON.stringify(bootstrapJson(buildBootstrap(config)), null, 2) + "\n";
}
