// Synthetic xDS resources standing in for "N HTTPRoutes" until the lead's translation is put in
// front: one api_listener (so a proxyless gRPC client can subscribe), one RouteConfiguration with a
// virtual host per route (hostname r<i>.example.com, one rule), and an EDS cluster plus a
// (optionally split into listeners of perListener routes each, one RouteConfiguration per listener)
// ClusterLoadAssignment per route's backend. `variant` changes exactly one route (the k-th).
import { create } from "@bufbuild/protobuf";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../src/gen/envoy/config/route/v3/route_pb.ts";
import { VirtualHostSchema, type Route, type VirtualHost } from "../../src/gen/envoy/config/route/v3/route_components_pb.ts";
import type { XdsResources } from "../../src/xds/resources.ts";
import { apiListener, edsCluster, endpoints, route } from "../../tests/xds/fixtures.ts";

export interface SyntheticOptions {
  routes: number;
  /** Listener name the clients subscribe to (xds:///<listener>). */
  listener?: string;
  /** Backend port every endpoint points at (the bench does not send RPCs through it). */
  port?: number;
  /** Which route to change and to what revision. */
  change?: { index: number; revision: number };
  /** Routes per listener/RouteConfiguration; default all in one (one Gateway listener). */
  perListener?: number;
  /** Endpoint revision: shifts every endpoint's port by this much (an EDS-only change). */
  endpointRevision?: number;
}

export function synthetic(o: SyntheticOptions): XdsResources {
  const listener = o.listener ?? "bench";
  const port = o.port ?? 50051;
  const per = o.perListener ?? o.routes;
  const cluster = (i: number) => `default/svc-${i}/8080`;
  const listeners = [];
  const rcs = [];
  for (let first = 0, j = 0; first < o.routes; first += per, j++) {
    // Listener 0 keeps the plain name so single-listener runs read naturally.
    const name = j === 0 ? listener : `${listener}-${j}`;
    const virtualHosts: RouteConfiguration["virtualHosts"] = [];
    for (let i = first; i < Math.min(o.routes, first + per); i++) {
      const rev = o.change && o.change.index === i ? o.change.revision : 0;
      virtualHosts.push(
        vhost(`default/route-${i}`, [`r${i}.example.com`], route({ prefix: `/api/v${rev}/`, headers: { "x-tenant": `t${i}` }, to: cluster(i) })),
      );
    }
    // The clients' own host (the listener name is the authority grpc-js matches domains against).
    virtualHosts.push(vhost(name, [name], route({ prefix: "", to: cluster(first) })));
    const rc = create(RouteConfigurationSchema, { name: `${name}-rc`, virtualHosts });
    rcs.push(rc);
    listeners.push(apiListener(name, rc.name));
  }
  const clusters = [];
  const cla = [];
  for (let i = 0; i < o.routes; i++) {
    clusters.push(edsCluster(cluster(i)));
    cla.push(endpoints(cluster(i), [port + (o.endpointRevision ?? 0)]));
  }
  return { listeners, routes: rcs, clusters, endpoints: cla, secrets: [] };
}

function vhost(name: string, domains: string[], r: Route): VirtualHost {
  return create(VirtualHostSchema, { name, domains, routes: [r] });
}
