// Synthetic xDS resources standing in for "N HTTPRoutes" until the lead's translation is put in
// front: one api_listener (so a proxyless gRPC client can subscribe), one RouteConfiguration with a
// virtual host per route (hostname r<i>.example.com, one rule), and an EDS cluster plus a
// ClusterLoadAssignment per route's backend. `variant` changes exactly one route (the k-th).
import { create } from "@bufbuild/protobuf";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../src/gen/envoy/config/route/v3/route_pb.js";
import type { XdsResources } from "../../src/xds/resources.js";
import { apiListener, edsCluster, endpoints, route } from "../../tests/xds/fixtures.js";

export interface SyntheticOptions {
  routes: number;
  /** Listener name the clients subscribe to (xds:///<listener>). */
  listener?: string;
  /** Backend port every endpoint points at (the bench does not send RPCs through it). */
  port?: number;
  /** Which route to change and to what revision. */
  change?: { index: number; revision: number };
  /** Endpoint revision: shifts every endpoint's port by this much (an EDS-only change). */
  endpointRevision?: number;
}

export function synthetic(o: SyntheticOptions): XdsResources {
  const listener = o.listener ?? "bench";
  const port = o.port ?? 50051;
  const cluster = (i: number) => `default/svc-${i}/8080`;
  const virtualHosts: RouteConfiguration["virtualHosts"] = [];
  for (let i = 0; i < o.routes; i++) {
    const rev = o.change && o.change.index === i ? o.change.revision : 0;
    virtualHosts.push(
      create(RouteConfigurationSchema, {
        virtualHosts: [{ name: `default/route-${i}`, domains: [`r${i}.example.com`], routes: [route({ prefix: `/api/v${rev}/`, headers: { "x-tenant": `t${i}` }, to: cluster(i) })] }],
      }).virtualHosts[0]!,
    );
  }
  // The clients' own host (the listener name is the authority grpc-js matches domains against).
  virtualHosts.push(create(RouteConfigurationSchema, { virtualHosts: [{ name: "bench", domains: [listener], routes: [route({ prefix: "", to: cluster(0) })] }] }).virtualHosts[0]!);
  const rc = create(RouteConfigurationSchema, { name: `${listener}-rc`, virtualHosts });
  const clusters = [];
  const cla = [];
  for (let i = 0; i < o.routes; i++) {
    clusters.push(edsCluster(cluster(i)));
    cla.push(endpoints(cluster(i), [port + (o.endpointRevision ?? 0)]));
  }
  return { listeners: [apiListener(listener, rc.name)], routes: [rc], clusters, endpoints: cla, secrets: [] };
}
