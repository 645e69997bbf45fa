// GAMMA (Gateway API for mesh): HTTPRoutes and GRPCRoutes whose parent is a Service govern the
// traffic node-local clients send to that Service. Each Service port with at least one such route
// gets an Envoy listener on loopback (ports.ts) whose routes are the Service's routes, in Gateway
// API precedence; the datapath steers connections to the Service's ClusterIP:port there. A request
// no rule matches gets 404, as from a Gateway: the mesh suite asserts it (MeshHTTPRouteQueryParamMatching),
// so there is no fall-through to the Service's own endpoints. Services without mesh routes are
// not touched.
import type { AnyRoute, GRPCRoute, HTTPRoute, RouteKind } from "../kinds/gateway-api.ts";
import type { IrApiListener, IrListener, IrRoute, IrRouteConfig } from "../ir/types.ts";
import type { ObjectStatus, RouteParentStatus, TranslateProblem } from "../object-status/types.ts";
import type { Inputs } from "../translate/inputs.ts";
import type { ClusterSet } from "../translate/services.ts";
import { refKey, refOf } from "../store/types.ts";
import type { ListenerOrigin } from "../ir/origin.ts";
import { RouteBackends } from "../gateway/backends.ts";
import { grpcRouteRules, httpRouteRules, type RouteWithKey } from "../gateway/http-rules.ts";
import { sortRoutes } from "../gateway/precedence.ts";
import { isServiceParent, meshParents, type MeshParent } from "./parents.ts";
import { allocatePorts } from "./ports.ts";

/** A Service port governed by mesh routes: connections to clusterIPs:port go to 127.0.0.1:envoyPort. */
export interface MeshService {
  /** The IrListener serving it, "mesh/<ns>/<service>/<port>". */
  listener: string;
  namespace: string;
  service: string;
  port: number;
  /** spec.clusterIPs (or clusterIP); empty when the Service has none (nothing to steer). */
  clusterIPs: string[];
  envoyPort: number;
}

export interface MeshResult {
  listeners: IrListener[];
  routeConfigs: IrRouteConfig[];
  apiListeners: IrApiListener[];
  services: MeshService[];
  status: ObjectStatus[];
  problems: TranslateProblem[];
}

type MeshRoute = { kind: "HTTPRoute"; route: HTTPRoute } | { kind: "GRPCRoute"; route: GRPCRoute };

interface PortRoutes {
  namespace: string;
  service: string;
  port: number;
  clusterIPs: string[];
  routes: Array<MeshRoute & { order: string; backends: RouteBackends }>;
}

/** Whether a route names a Service parent at all, remembered per route object (they never change). */
const servicesNamed = new WeakMap<object, boolean>();
function namesService(route: AnyRoute): boolean {
  let named = servicesNamed.get(route);
  if (named === undefined) {
    named = (route.spec.parentRefs ?? []).some(isServiceParent);
    servicesNamed.set(route, named);
  }
  return named;
}

export function translateMesh(inp: Inputs, controllerName: string, clusters: ClusterSet): MeshResult {
  const out: MeshResult = { listeners: [], routeConfigs: [], apiListeners: [], services: [], status: [], problems: [] };
  const byPort = new Map<string, PortRoutes>();
  // Most routes name no Service parent: only those are looked at (10,000 routes per change).
  const routes: MeshRoute[] = [];
  for (const route of inp.httpRoutes) if (namesService(route)) routes.push({ kind: "HTTPRoute", route });
  for (const route of inp.grpcRoutes) if (namesService(route)) routes.push({ kind: "GRPCRoute", route });
  for (const r of routes) {
    const parents = meshParents(inp, r.route);
    if (parents.length === 0) continue;
    const backends = new RouteBackends(inp, clusters, r.route, r.kind as RouteKind);
    resolveBackends(r, backends);
    const ns = r.route.metadata.namespace;
    out.status.push({
      kind: r.kind,
      namespace: ns,
      name: r.route.metadata.name,
      status: { parents: parents.map((p) => parentStatus(p, backends, controllerName)) },
    });
    out.problems.push(...backends.problems);
    const order = `${r.route.metadata.creationTimestamp ?? ""}\u0000${ns}/${r.route.metadata.name}`;
    for (const p of parents) {
      if (!p.service) continue;
      for (const sp of p.ports) {
        const key = `${p.parentRef.namespace}/${p.parentRef.name}/${sp.port}`;
        const pr = byPort.get(key) ?? { namespace: p.parentRef.namespace, service: p.parentRef.name, port: sp.port, clusterIPs: clusterIPs(p), routes: [] };
        // A route naming the Service twice (port and sectionName) governs the port once.
        if (!pr.routes.some((x) => x.route === r.route)) pr.routes.push({ ...r, order, backends } as PortRoutes["routes"][number]);
        byPort.set(key, pr);
      }
    }
  }

  const ports = allocatePorts([...byPort.keys()]);
  for (const [key, pr] of [...byPort.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const name = `mesh/${key}`;
    const envoyPort = ports.get(key);
    const svcKey = refKey({ kind: "Service", namespace: pr.namespace, name: pr.service });
    if (envoyPort === undefined) {
      out.problems.push({
        key: svcKey,
        path: ["spec", "ports"],
        message: `no free mesh listener port for port ${pr.port} (every port of the mesh range is in use); its routes are not served`,
      });
      continue;
    }
    const lctx = { port: pr.port, protocol: "HTTP" };
    const rules = (only?: "GRPCRoute"): IrRoute[] => {
      const list: RouteWithKey[] = [];
      for (const r of pr.routes) {
        if (only && r.kind !== only) continue;
        list.push(...(r.kind === "HTTPRoute" ? httpRouteRules(r.route, r.backends, lctx, r.order) : grpcRouteRules(r.route, r.backends, lctx, r.order)));
      }
      return sortRoutes(list).map((x) => x.route);
    };
    out.routeConfigs.push({ name, virtualHosts: [{ name: "*", domains: ["*"], routes: rules() }] });
    out.listeners.push({
      name,
      address: "127.0.0.1",
      extraAddresses: [],
      port: envoyPort,
      http: { routeConfig: name },
      tls: [],
      origins: pr.routes.map((r): ListenerOrigin => ({ owner: refOf(r.route) })),
    });
    out.services.push({ listener: name, namespace: pr.namespace, service: pr.service, port: pr.port, clusterIPs: pr.clusterIPs, envoyPort });
    // Proxyless gRPC clients dial the Service by its DNS name and port (xds:///svc.ns.svc.cluster.local:PORT);
    // they get the GRPCRoutes only, the form gRPC accepts.
    if (pr.routes.some((r) => r.kind === "GRPCRoute")) {
      const rc = `${name}/grpc`;
      out.routeConfigs.push({ name: rc, virtualHosts: [{ name: "*", domains: ["*"], routes: rules("GRPCRoute") }] });
      out.apiListeners.push({ name: `${pr.service}.${pr.namespace}.svc.cluster.local:${pr.port}`, routeConfig: rc });
    }
    if (pr.clusterIPs.length === 0)
      out.problems.push({
        key: svcKey,
        path: ["spec", "clusterIP"],
        message: `has mesh routes but no spec.clusterIP: node-local clients cannot be steered to them (the mesh listener for port ${pr.port} is 127.0.0.1:${envoyPort})`,
      });
  }
  return out;
}

function clusterIPs(p: MeshParent): string[] {
  const s = p.service?.spec;
  const ips = s?.clusterIPs && s.clusterIPs.length > 0 ? s.clusterIPs : s?.clusterIP ? [s.clusterIP] : [];
  return ips.filter((ip) => ip !== "None" && ip !== "");
}

function resolveBackends(r: MeshRoute, backends: RouteBackends): void {
  const protocol = r.kind === "GRPCRoute" ? "h2c" : undefined;
  (r.route.spec.rules ?? []).forEach((rule, ri) =>
    (rule.backendRefs ?? []).forEach((ref, bi) => backends.resolve(ref, ["spec", "rules", ri, "backendRefs", bi], protocol)),
  );
}

function parentStatus(p: MeshParent, backends: RouteBackends, controllerName: string): RouteParentStatus {
  return { parentRef: p.parentRef, controllerName, conditions: [p.accepted, backends.resolvedRefs] };
}
