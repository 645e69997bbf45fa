// The emit stage: IR -> Envoy xDS resources. Pure and deterministic (the IR is already sorted).
import type { Ir, IrRouteConfig } from "../../ir/types.ts";
import type { XdsResources } from "../resources.ts";
import type { Listener } from "../../gen/envoy/config/listener/v3/listener_pb.ts";
import { SocketAddress_Protocol } from "../../gen/envoy/config/core/v3/address_pb.ts";
import { emitApiListener, emitListener } from "./listeners.ts";
import { emitRouteConfig } from "./routes.ts";
import { emitCluster, emitEndpoints } from "./clusters.ts";
import { emitSecret } from "./secrets.ts";
import { needsUnavailable, planProxyless, unavailableCluster } from "./proxyless.ts";
import type { EmitOptions } from "./options.ts";
import type { EmitMemo } from "./memo.ts";

/**
 * A port with nothing to serve yet (a TLS listener no route attaches to) gets no Listener: Envoy
 * refuses a TCP listener without filter chains ("no filter chains specified"), NACKing the update.
 * A UDP listener serves through its listener filter (udp_proxy) and needs none.
 */
function servesSomething(l: Listener): boolean {
  const a = l.address?.address;
  return l.filterChains.length > 0 || l.defaultFilterChain !== undefined || (a?.case === "socketAddress" && a.value.protocol === SocketAddress_Protocol.UDP);
}

/**
 * `memo` (optional) reuses messages of unchanged virtual hosts; the output is equal either way.
 * `withoutVirtualHosts` leaves the IR route configs' virtual hosts out, for `render`, which streams
 * them; the single-host proxyless configurations that follow them keep theirs (they are small).
 */
export function emitXds(ir: Ir, o: EmitOptions, memo?: EmitMemo, withoutVirtualHosts = false): XdsResources {
  memo?.begin();
  const rcs = new Map<string, IrRouteConfig>(ir.routeConfigs.map((rc) => [rc.name, rc]));
  const plan = planProxyless(ir.apiListeners, rcs);
  const proxyless = new Set(ir.apiListeners.map((a) => a.routeConfig));
  const listenerMemo = memo ? { memo, optionsKey: JSON.stringify(o) } : undefined;
  const unavailable = needsUnavailable(ir.routeConfigs.filter((rc) => proxyless.has(rc.name))) ? [unavailableCluster()] : [];
  const out: XdsResources = {
    listeners: [...ir.listeners.map((l) => emitListener(l, rcs, o, listenerMemo)).filter(servesSomething), ...plan.apiListeners.map(emitApiListener)],
    routes: [
      ...ir.routeConfigs.map((rc) => emitRouteConfig(withoutVirtualHosts ? { ...rc, virtualHosts: [] } : rc, proxyless.has(rc.name), memo)),
      ...plan.hostRouteConfigs.map((rc) => emitRouteConfig(rc, true, memo)),
    ],
    clusters: [...ir.clusters.map((c) => (memo ? memo.byContent("cluster", c, () => emitCluster(c)) : emitCluster(c))), ...unavailable.map((u) => u.cluster)],
    // DNS clusters carry their endpoints inline and have no ClusterLoadAssignment.
    endpoints: [
      ...ir.clusters.filter((c) => !c.dns).map((c) => (memo ? memo.byContent("endpoints", c, () => emitEndpoints(c)!) : emitEndpoints(c)!)),
      ...unavailable.map((u) => u.endpoints),
    ],
    secrets: ir.secrets.map(emitSecret),
  };
  memo?.end();
  return out;
}
