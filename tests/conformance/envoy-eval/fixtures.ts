// Small builders for the evaluator's unit tests: one listener with an inline route configuration.
import type { Cluster, Listener, RenderJson, Route, VirtualHost } from "./types.ts";
import { TypeUrls } from "./types.ts";

export function cluster(name: string, ip = "10.0.0.1", port = 3000): Cluster {
  return {
    name,
    type: "STATIC",
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: ip, portValue: port } } } }] }] },
  };
}

export function httpRender(virtualHosts: VirtualHost[], extra: Partial<RenderJson> = {}, hcmExtra: Record<string, unknown> = {}): RenderJson {
  const listener: Listener = {
    name: "l80",
    address: { socketAddress: { address: "0.0.0.0", portValue: 80 } },
    filterChains: [
      {
        name: "http",
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typedConfig: {
              "@type": TypeUrls.hcm,
              statPrefix: "http",
              rds: { routeConfigName: "rc80" },
              httpFilters: [{ name: "envoy.filters.http.cors" }, { name: "envoy.filters.http.router" }],
              ...hcmExtra,
            },
          },
        ],
      },
    ],
  };
  return {
    listeners: [listener],
    routes: [{ name: "rc80", virtualHosts }],
    clusters: [cluster("a"), cluster("b", "10.0.0.2"), cluster("c", "10.0.0.3")],
    endpoints: [],
    secrets: [],
    ...extra,
  };
}

export function vh(name: string, domains: string[], routes: Route[]): VirtualHost {
  return { name, domains, routes };
}

export function to(cluster: string, match: Route["match"] = { prefix: "/" }, extra: Partial<Route> = {}): Route {
  return { name: `${cluster}:${JSON.stringify(match)}`, match, route: { cluster }, ...extra };
}

export const req = (path: string, authority = "example.com", headers: Record<string, string> = {}, method = "GET") => ({
  scheme: "http" as const,
  address: "127.0.1.1",
  port: 80,
  authority,
  method,
  path,
  headers,
});
