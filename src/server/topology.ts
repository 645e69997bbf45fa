// What is served, as a graph for the dashboard: Envoy listeners (and the Gateway listeners or
// Ingresses they come from) -> routes -> Services (clusters) -> endpoints. Derived from the IR of
// the last good compile, so it is exactly what the xDS in force was emitted from. Pure.
import type { Ir, IrRouteAction } from "../ir/types.ts";
import { parseRefKey, refKey } from "../store/types.ts";
import { originLabel } from "../ir/origin.ts";

export interface TopologyListener {
  name: string;
  address: string;
  port: number;
  protocol: string;
  /** "namespace/gateway/listener" (or the Ingress) this socket serves. */
  origins: string[];
  /** Keys ("Kind/namespace/name") of the routes reached through this listener. */
  routes: string[];
  /** Clusters reached without a route (TLS passthrough, TCP). */
  clusters: string[];
}

export interface TopologyRoute {
  key: string;
  kind: string;
  namespace: string;
  name: string;
  /** Hostnames (virtual host domains) it serves. */
  hostnames: string[];
  clusters: string[];
  /** Some backend could not be resolved: those requests answer 500. */
  unresolved: boolean;
}

export interface TopologyService {
  /** Cluster name, "namespace/service/port". */
  name: string;
  /** "ip:port", or the DNS name Envoy resolves. */
  endpoints: string[];
}

export interface Topology {
  listeners: TopologyListener[];
  routes: TopologyRoute[];
  services: TopologyService[];
}

/** IrRoute names are "<kind>/<ns>/<name>/rule/<i>/match/<j>": the object is the first three parts. */
function routeKey(irRouteName: string): { key: string; kind: string; namespace: string; name: string } {
  const ref = parseRefKey(irRouteName);
  return { key: refKey(ref), ...ref };
}

function actionClusters(a: IrRouteAction): { clusters: string[]; unresolved: boolean } {
  // A rule whose every backend failed to resolve is emitted as a direct 500 answer.
  if (a.type === "direct") return { clusters: [], unresolved: a.status >= 500 };
  if (a.type !== "forward") return { clusters: [], unresolved: false };
  const clusters = [...a.backends.flatMap((b) => (b.cluster ? [b.cluster] : [])), ...a.mirrors.map((m) => m.cluster)];
  return { clusters, unresolved: a.backends.some((b) => !b.cluster) };
}

export function topology(ir: Ir): Topology {
  const routes = new Map<string, TopologyRoute>();
  const byConfig = new Map<string, Set<string>>();
  for (const rc of ir.routeConfigs) {
    const keys = new Set<string>();
    for (const vh of rc.virtualHosts) {
      for (const r of vh.routes) {
        const id = routeKey(r.name);
        keys.add(id.key);
        const t = routes.get(id.key) ?? { ...id, hostnames: [], clusters: [], unresolved: false };
        for (const d of vh.domains) if (!t.hostnames.includes(d)) t.hostnames.push(d);
        const a = actionClusters(r.action);
        for (const c of a.clusters) if (!t.clusters.includes(c)) t.clusters.push(c);
        t.unresolved ||= a.unresolved;
        routes.set(id.key, t);
      }
    }
    byConfig.set(rc.name, keys);
  }
  const listeners: TopologyListener[] = ir.listeners.map((l) => {
    const configs = [l.http?.routeConfig, ...l.tls.map((t) => t.http?.routeConfig)].filter((x): x is string => x !== undefined);
    return {
      name: l.name,
      address: l.address,
      port: l.port,
      protocol: l.http ? "HTTP" : l.tls.some((t) => t.http) ? "HTTPS" : "TLS",
      origins: l.origins.map(originLabel),
      routes: [...new Set(configs.flatMap((c) => [...(byConfig.get(c) ?? [])]))].sort(),
      clusters: [...new Set(l.tls.flatMap((t) => (t.tcp?.backends ?? []).flatMap((b) => (b.cluster ? [b.cluster] : []))))].sort(),
    };
  });
  const services: TopologyService[] = ir.clusters.map((c) => ({
    name: c.name,
    endpoints: c.dns
      ? [`${c.dns.hostname}:${c.dns.port} (DNS)`]
      : c.endpoints.map((e) => (e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`)),
  }));
  return { listeners, routes: [...routes.values()].sort((a, b) => a.key.localeCompare(b.key)), services };
}
