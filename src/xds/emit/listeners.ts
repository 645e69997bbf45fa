// IR listeners -> Envoy Listener resources: HTTP connection managers on RDS, TLS filter chains by
// SNI with certificates over SDS, tcp_proxy for TLS passthrough, api_listeners for proxyless gRPC.
import { create } from "@bufbuild/protobuf";
import { ListenerSchema, type Listener } from "../../gen/envoy/config/listener/v3/listener_pb.ts";
import type { FilterChainSchema, FilterSchema } from "../../gen/envoy/config/listener/v3/listener_components_pb.ts";
import {
  HttpConnectionManagerSchema,
  HttpConnectionManager_CodecType,
  type HttpFilterSchema,
} from "../../gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import { RouterSchema } from "../../gen/envoy/extensions/filters/http/router/v3/router_pb.ts";
import { CorsSchema } from "../../gen/envoy/extensions/filters/http/cors/v3/cors_pb.ts";
import { TcpProxySchema } from "../../gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.ts";
import { TlsInspectorSchema } from "../../gen/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.ts";
import { CertificateValidationContext_TrustChainVerification } from "../../gen/envoy/extensions/transport_sockets/tls/v3/common_pb.ts";
import { DownstreamTlsContextSchema } from "../../gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.ts";
import type { EmitMemo } from "./memo.ts";
import { httpAccessLog } from "./access-log.ts";
import type { IrApiListener, IrListener, IrRouteConfig, IrTlsChain } from "../../ir/types.ts";
import { ads, duration, socketAddress, typed, type Init } from "./common.ts";
import { CorsFilterName, InvalidBackendCluster, usesCors } from "./routes.ts";
import type { EmitOptions } from "./options.ts";
import { emitUdpListener, tcpRouteChain } from "./l4.ts";
import { originLabel } from "../../ir/origin.ts";

function hcm(statPrefix: string, routeConfig: string, cors: boolean, o: EmitOptions): Init<typeof FilterSchema> {
  const filters: Array<Init<typeof HttpFilterSchema>> = [];
  if (cors) filters.push(typed(CorsFilterName, CorsSchema, {}));
  filters.push(typed("envoy.filters.http.router", RouterSchema, {}));
  return typed("envoy.filters.network.http_connection_manager", HttpConnectionManagerSchema, {
    statPrefix,
    codecType: HttpConnectionManager_CodecType.AUTO,
    routeSpecifier: { case: "rds", value: { routeConfigName: routeConfig, configSource: ads() } },
    httpFilters: filters,
    // The client address comes from the connection (the datapath keeps it), appended to XFF;
    // only xffNumTrustedHops proxies in front are believed. Envoy then sets X-Envoy-External-Address.
    useRemoteAddress: true,
    xffNumTrustedHops: o.xffNumTrustedHops,
    normalizePath: true,
    mergeSlashes: true,
    upgradeConfigs: [{ upgradeType: "websocket" }],
    // Envoy's edge hardening defaults (docs: "Configuring Envoy as an edge proxy").
    commonHttpProtocolOptions: { idleTimeout: duration(3_600_000) },
    http2ProtocolOptions: { maxConcurrentStreams: 100, initialStreamWindowSize: 65_536, initialConnectionWindowSize: 1_048_576 },
    streamIdleTimeout: duration(300_000),
    requestHeadersTimeout: duration(10_000),
    accessLog: httpAccessLog(),
  });
}

function tcpProxy(chain: IrTlsChain): Init<typeof FilterSchema> {
  const backends = chain.tcp?.backends ?? [];
  const name = (c: string | undefined): string => c ?? InvalidBackendCluster;
  return typed("envoy.filters.network.tcp_proxy", TcpProxySchema, {
    statPrefix: chain.tcp?.statPrefix ?? chain.name,
    clusterSpecifier:
      backends.length === 1
        ? { case: "cluster", value: name(backends[0]!.cluster) }
        : { case: "weightedClusters", value: { clusters: backends.map((b) => ({ name: name(b.cluster), weight: b.weight })) } },
  });
}

function tlsChain(listener: IrListener, chain: IrTlsChain, rcs: Map<string, IrRouteConfig>, o: EmitOptions): Init<typeof FilterChainSchema> {
  const fc: Init<typeof FilterChainSchema> = {
    name: chain.name,
    filterChainMatch: { serverNames: chain.serverNames, transportProtocol: "tls" },
  };
  if (chain.mode === "terminate") {
    fc.transportSocket = typed("envoy.transport_sockets.tls", DownstreamTlsContextSchema, {
      commonTlsContext: {
        tlsCertificateSdsSecretConfigs: chain.certificates.map((name) => ({ name, sdsConfig: ads() })),
        alpnProtocols: chain.http ? ["h2", "http/1.1"] : [],
        // AllowInsecureFallback: a client without a certificate, or with one the CA did not sign,
        // still connects (ACCEPT_UNTRUSTED); otherwise the certificate is verified and required.
        validationContextType: chain.clientValidation
          ? chain.clientValidation.optional
            ? {
                case: "combinedValidationContext",
                value: {
                  defaultValidationContext: { trustChainVerification: CertificateValidationContext_TrustChainVerification.ACCEPT_UNTRUSTED },
                  validationContextSdsSecretConfig: { name: chain.clientValidation.caSecret, sdsConfig: ads() },
                },
              }
            : { case: "validationContextSdsSecretConfig", value: { name: chain.clientValidation.caSecret, sdsConfig: ads() } }
          : undefined,
      },
      requireClientCertificate: chain.clientValidation ? !chain.clientValidation.optional : undefined,
    });
  }
  if (chain.http) {
    const rc = rcs.get(chain.http.routeConfig);
    fc.filters = [hcm(`${listener.name}/${chain.name}`, chain.http.routeConfig, rc ? usesCors(rc) : false, o)];
  } else fc.filters = [tcpProxy(chain)];
  return fc;
}

/**
 * With a memo, a Listener from the same IrListener, emit options and route configurations (it reads
 * theirs for CORS: the HCM of its HTTP chain and of each TLS chain that serves HTTP) is the same
 * message (memo.ts listener). `optionsKey` is `node` as a string, built once per compile.
 */
export function emitListener(l: IrListener, rcs: Map<string, IrRouteConfig>, node: EmitOptions, memo?: { memo: EmitMemo; optionsKey: string }): Listener {
  if (!memo) return listener(l, rcs, node);
  const read = [l.http?.routeConfig, ...l.tls.map((c) => c.http?.routeConfig)].map((name) => (name === undefined ? undefined : rcs.get(name)));
  return memo.memo.listener(l, memo.optionsKey, read, () => listener(l, rcs, node));
}

function listener(l: IrListener, rcs: Map<string, IrRouteConfig>, node: EmitOptions): Listener {
  // A GatewayClass may trust another number of proxies in front than the node does.
  const o = l.xffNumTrustedHops === undefined ? node : { ...node, xffNumTrustedHops: l.xffNumTrustedHops };
  if (l.udp) return emitUdpListener({ ...l, udp: l.udp }, o);
  const chains: Array<Init<typeof FilterChainSchema>> = [];
  if (l.tcp) chains.push(tcpRouteChain({ ...l, tcp: l.tcp }));
  if (l.http) {
    const rc = rcs.get(l.http.routeConfig);
    chains.push({ name: "http", filters: [hcm(l.name, l.http.routeConfig, rc ? usesCors(rc) : false, o)] });
  }
  for (const c of l.tls) chains.push(tlsChain(l, c, rcs, o));
  const meta = {
    origins: l.origins.map(originLabel),
    ...(l.infrastructure ? { labels: l.infrastructure.labels, annotations: l.infrastructure.annotations } : {}),
  };
  return create(ListenerSchema, {
    name: l.name,
    address: socketAddress(l.address, l.port),
    additionalAddresses: l.extraAddresses.map((a) => ({ address: socketAddress(a, l.port) })),
    transparent: o.transparent ? true : undefined,
    listenerFilters: l.tls.length > 0 ? [typed("envoy.filters.listener.tls_inspector", TlsInspectorSchema, {})] : [],
    filterChains: chains,
    // Bounded per-connection buffers, as Envoy's edge guidance recommends.
    perConnectionBufferLimitBytes: 32_768,
    metadata: { filterMetadata: { "edgegate.io": meta } },
  });
}

/**
 * A Listener for proxyless gRPC (xds:///NAME). Only ever sent to clients that ask for it by name:
 * Envoy refuses api listeners in its (wildcard) LDS, see TypeSnapshot.wildcard. stat_prefix is
 * required non-empty by the proto's validation rules even though gRPC ignores it.
 */
export function emitApiListener(a: IrApiListener): Listener {
  return create(ListenerSchema, {
    name: a.name,
    apiListener: {
      apiListener: typed("hcm", HttpConnectionManagerSchema, {
        statPrefix: a.name,
        routeSpecifier: { case: "rds", value: { routeConfigName: a.routeConfig, configSource: ads() } },
        httpFilters: [typed("envoy.filters.http.router", RouterSchema, {})],
      }).configType.value,
    },
  });
}
