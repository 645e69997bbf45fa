// Gateway API -> IR and status. Pure: objects in, IR pieces and status out.
import type { AnyRoute, Gateway, HTTPRouteFilter, RouteKind } from "../kinds/gateway-api.ts";
import type { IrApiListener, IrListener, IrRouteConfig } from "../ir/types.ts";
import { listenerSteering, type SteeringTarget } from "../ir/datapath.ts";
import { condition, type Condition, type ObjectStatus, type RouteParentStatus, type TranslateProblem } from "../object-status/types.ts";
import type { Inputs } from "../translate/inputs.ts";
import type { ClusterSet } from "../translate/services.ts";
import type { BackendTlsIndex } from "../translate/backend-tls.ts";
import type { WorldState } from "../translate/world.ts";
import type { AddressOptions, GatewayAddresses } from "./addresses.ts";
import { attach, type ParentResult } from "./attach.ts";
import { listenerSetAccepted, listenerSetStatus } from "./listenersets.ts";
import { RouteBackends } from "./backends.ts";
import { buildGatewayIr, claimHostnames, type AttachedRoute, type GatewayIr, type HostnameApiListener } from "./build.ts";
import type { RouteWithKey } from "./http-rules.ts";
import type { TranslateMemo } from "./memo.ts";
import { listenerConditions, type ListenerState } from "./listeners.ts";
import type { HostPorts } from "./host-ports.ts";
import { onNodePort, type ClassExposure } from "./exposure.ts";
import { buildGatewayWorld, exposureOf, gatewayAccepted, type GatewayWorld } from "./world.ts";

export interface GatewayOptions extends AddressOptions {
  controllerName: string;
  /** What the node allows Envoy to bind (privileged ports, ports other processes hold); unknown when absent. */
  hostPorts?: HostPorts;
  /** edgegate.yaml's exposure; a GatewayClass's parameters may override it for its Gateways. */
  exposure: ClassExposure;
  /** Route rules remembered across compiles (see memo.ts); optional, results are the same. */
  memo?: TranslateMemo;
}

export interface GatewayResult {
  listeners: IrListener[];
  routeConfigs: IrRouteConfig[];
  apiListeners: IrApiListener[];
  steering: SteeringTarget[];
  status: ObjectStatus[];
  problems: TranslateProblem[];
}

/**
 * `inp` gives the routes; everything else comes from `world` (translate/world.ts), which may be
 * the one an earlier compile built: then the Gateway side and every unchanged route's attachment
 * are reused from it.
 */
export function translateGateways(inp: Inputs, opts: GatewayOptions, world: WorldState): GatewayResult {
  const w = (world.gateways ??= buildGatewayWorld(world.inputs, opts, world.secrets));
  const { clusters, backendTls } = world;
  const out: GatewayResult = { listeners: [], routeConfigs: [], apiListeners: [], steering: [], status: [...w.classStatus], problems: [] };
  /** BackendTLSPolicy ancestors: the Gateways whose attached routes use each Service. */
  const serviceGateways = new Map<string, Set<Gateway>>();

  // Attach routes of every kind; collect per-gateway attached routes and route status.
  const attached = new Map<Gateway, AttachedRoute[]>();
  const kinds: Array<[RouteKind, readonly AnyRoute[]]> = [
    ["HTTPRoute", inp.httpRoutes],
    ["GRPCRoute", inp.grpcRoutes],
    ["TLSRoute", inp.tlsRoutes],
    ["TCPRoute", inp.tcpRoutes],
    ["UDPRoute", inp.udpRoutes],
  ];
  // attachedRoutes counts the distinct routes on each listener (a ListenerSet's too).
  for (const ls of w.listenerStates.values()) for (const l of ls) l.attachedRoutes = 0;
  for (const [kind, routes] of kinds) {
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i]!;
      let r = opts.memo?.reusedAttachment(route, kind, world);
      if (!r) {
        r = attachRoute(world.inputs, route, kind, w, clusters, opts.controllerName, opts.memo !== undefined);
        opts.memo?.rememberAttachment(route, kind, world, r);
      }
      if (r.status === undefined) continue;
      out.status.push(r.status);
      // A loop, not push(...): a spread call per route cost more than the rest of this loop.
      for (const p of r.backends.problems) out.problems.push(p);
      // Which Gateways use which Service: only needed for BackendTLSPolicy ancestors.
      if (backendTls.states.length > 0) noteServiceGateways(serviceGateways, route, r.parentGateways);
      for (const a of r.attached) {
        const gw = a.via.listener.gateway;
        const list = attached.get(gw);
        if (list) list.push(a);
        else attached.set(gw, [a]);
      }
      for (const l of r.listeners) l.attachedRoutes++;
    }
  }

  const hostnameApiListeners: HostnameApiListener[] = [];
  for (const gw of w.gateways) {
    const ls = w.listenerStates.get(gw)!;
    const routes = attached.get(gw) ?? [];
    const addrs = w.addresses.get(gw)!;
    const build = (): GatewayIr => buildGatewayIr(gw, ls, routes, addrs, clusters, opts.memo);
    const ir = opts.memo ? opts.memo.gatewayIr(gw, world, routes, build) : build();
    const { listeners, exposed } = boundListeners(ir, exposureOf(w, gw, opts.exposure), w.classes.get(gw.spec.gatewayClassName)?.xffNumTrustedHops);
    out.listeners.push(...listeners);
    out.routeConfigs.push(...ir.routeConfigs);
    out.apiListeners.push(...ir.apiListeners);
    out.problems.push(...ir.problems);
    hostnameApiListeners.push(...ir.hostnameApiListeners);
    const sectionOf = new Map(ls.map((s) => [s.origin, s.section]));
    for (const l of listeners) {
      if (!exposed.has(l)) continue;
      // steering points at the very sockets this listener binds (one decision: ir/datapath.ts)
      const sections = l.origins.map((o) => sectionOf.get(o) ?? o.section ?? "");
      out.steering.push(...listenerSteering(l, opts.nodeAddresses, `${gw.metadata.namespace}/${gw.metadata.name}`, sections));
    }
    const sets = w.listenerSets.get(gw)!;
    const attachedSets = sets.filter((x) => listenerSetAccepted(x, gatewayAccepted(gw))).length;
    out.status.push(gatewayStatus(gw, w.ownListeners.get(gw)!, addrs, w.clientCerts.get(gw)!.resolvedRefs, attachedSets));
    for (const x of sets) out.status.push(listenerSetStatus(x, gatewayAccepted(gw)));
  }
  out.apiListeners.push(...claimHostnames(hostnameApiListeners, new Set(out.apiListeners.map((a) => a.name))));
  if (backendTls.states.length > 0) out.status.push(...policyStatus(backendTls, serviceGateways, opts.controllerName));
  return out;
}

/** Listeners as bound, per Gateway IR: the same objects while the IR is (so emit can keep their messages). */
const bound = new WeakMap<GatewayIr, { listeners: IrListener[]; exposed: Set<IrListener> }>();

/**
 * nodePort exposure: Envoy binds the node port (and the datapath steers it); a listener port
 * without a node port keeps its port and is not steered: no client is meant to reach it. Both
 * inputs come from the world, which a reused IR was built against: so they are the same for it.
 */
function boundListeners(ir: GatewayIr, exposure: ClassExposure, xff: number | undefined): { listeners: IrListener[]; exposed: Set<IrListener> } {
  const known = bound.get(ir);
  if (known) return known;
  const exposed = new Set<IrListener>();
  // New objects: the IR may be the memo's, shared with the next compile.
  const listeners = ir.listeners.map((l) => {
    const np = onNodePort(exposure, l.port);
    const b = { ...l, port: np ?? l.port, ...(xff !== undefined ? { xffNumTrustedHops: xff } : {}) };
    if (np !== undefined) exposed.add(b);
    return b;
  });
  const out = { listeners, exposed };
  bound.set(ir, out);
  return out;
}

/**
 * One route's attachment, backend resolution and status: a function of the route and the world
 * alone (no other route takes part), so memo.ts keeps it while both are unchanged.
 */
export interface RouteAttachment {
  /** Age order as a key that does not shift when other routes come and go (memo-friendly). */
  order: string;
  parents: ParentResult[];
  backends: RouteBackends;
  parentGateways: Set<Gateway>;
  /** Undefined when the route names none of our parents. */
  status: ObjectStatus | undefined;
  /** One entry per listener attachment, in parent order; they share one rules cache (build.ts). */
  attached: AttachedRoute[];
  /** The distinct listeners it attaches to (their attachedRoutes). */
  listeners: ListenerState[];
}

function attachRoute(
  inp: Inputs,
  route: AnyRoute,
  kind: RouteKind,
  w: GatewayWorld,
  clusters: ClusterSet,
  controllerName: string,
  trackServices: boolean,
): RouteAttachment {
  const order = `${route.metadata.creationTimestamp ?? ""}\u0000${route.metadata.namespace}/${route.metadata.name}`;
  const parents = attach(inp, route, kind, w.states);
  const parentGateways = new Set<Gateway>();
  for (const p of parents) for (const a of p.attachments) parentGateways.add(a.listener.gateway);
  // A route attached to one Gateway presents that Gateway's backend client certificate.
  let cert: string | undefined;
  let certs = 0;
  for (const gw of parentGateways) {
    const c = w.clientCerts.get(gw)?.secret;
    if (certs === 0 || c !== cert) certs++;
    cert = c;
  }
  const backends = new RouteBackends(inp, clusters, route, kind, certs === 1 ? cert : undefined, trackServices);
  if (parents.length === 0) return { order, parents, backends, parentGateways, status: undefined, attached: [], listeners: [] };
  resolveAllBackends(route, kind, backends);
  const parentStatus: RouteParentStatus[] = parents.map((p) => ({
    parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", ...p.parentRef, namespace: p.parentRef.namespace ?? route.metadata.namespace },
    controllerName,
    conditions: [p.accepted, backends.resolvedRefs],
  }));
  const rules = new Map<string, RouteWithKey[]>();
  const attached: AttachedRoute[] = [];
  const listeners = new Set<ListenerState>();
  for (const p of parents) {
    for (const a of p.attachments) {
      attached.push({ kind, route, order, backends, via: a, rules } as AttachedRoute);
      listeners.add(a.listener);
    }
  }
  return {
    order,
    parents,
    backends,
    parentGateways,
    status: { kind, namespace: route.metadata.namespace, name: route.metadata.name, status: { parents: parentStatus } },
    attached,
    listeners: [...listeners],
  };
}

function noteServiceGateways(serviceGateways: Map<string, Set<Gateway>>, route: AnyRoute, parentGateways: ReadonlySet<Gateway>): void {
  for (const rule of route.spec.rules ?? []) {
    for (const ref of rule.backendRefs ?? []) {
      if ((ref.group ?? "") !== "" || (ref.kind ?? "Service") !== "Service") continue;
      const key = `${ref.namespace ?? route.metadata.namespace}/${ref.name}`;
      const set = serviceGateways.get(key) ?? new Set<Gateway>();
      parentGateways.forEach((gw) => set.add(gw));
      serviceGateways.set(key, set);
    }
  }
}

function resolveAllBackends(route: AnyRoute, kind: RouteKind, backends: RouteBackends): void {
  const protocol = kind === "GRPCRoute" ? "h2c" : kind === "TLSRoute" || kind === "TCPRoute" ? "tcp" : kind === "UDPRoute" ? "udp" : undefined;
  // Every reference is resolved here, mirrors included, so status and clusters are complete even
  // when the route's rules come from the memo and are not rebuilt (filters.ts resolves the same way).
  (route.spec.rules ?? []).forEach((rule, ri) => {
    (rule.backendRefs ?? []).forEach((ref, bi) => {
      backends.resolve(ref, ["spec", "rules", ri, "backendRefs", bi], protocol);
      ("filters" in ref ? (ref.filters ?? []) : []).forEach((f, fi) => {
        if (f.type === "RequestMirror" && f.requestMirror)
          backends.resolve(f.requestMirror.backendRef, ["spec", "rules", ri, "backendRefs", bi, "filters", fi, "requestMirror", "backendRef"]);
      });
    });
    const filters: readonly HTTPRouteFilter[] = (rule as { filters?: HTTPRouteFilter[] }).filters ?? [];
    filters.forEach((f, fi) => {
      if (f.type === "RequestMirror" && f.requestMirror)
        backends.resolve(f.requestMirror.backendRef, ["spec", "rules", ri, "filters", fi, "requestMirror", "backendRef"]);
    });
  });
}

function policyStatus(idx: BackendTlsIndex, serviceGateways: Map<string, Set<Gateway>>, controllerName: string): ObjectStatus[] {
  return idx.states.map((st) => {
    const ns = st.policy.metadata.namespace;
    const gws = new Set<Gateway>();
    for (const t of st.policy.spec.targetRefs) serviceGateways.get(`${ns}/${t.name}`)?.forEach((g) => gws.add(g));
    const ancestors = [...gws]
      .map((gw) => ({
        ancestorRef: { group: "gateway.networking.k8s.io", kind: "Gateway", namespace: gw.metadata.namespace, name: gw.metadata.name },
        controllerName,
        conditions: [st.accepted, st.resolvedRefs],
      }))
      .sort((a, b) => (`${a.ancestorRef.namespace}/${a.ancestorRef.name}` < `${b.ancestorRef.namespace}/${b.ancestorRef.name}` ? -1 : 1));
    return { kind: "BackendTLSPolicy" as const, namespace: ns, name: st.policy.metadata.name, status: { ancestors, parents: [] } };
  });
}

function gatewayStatus(
  gw: Gateway,
  ls: readonly ListenerState[],
  addrs: GatewayAddresses,
  resolvedRefs: Condition,
  attachedListenerSets: number,
): ObjectStatus {
  const g = gw.metadata.generation;
  const usable = ls.filter((l) => l.usable).length;
  const reported = addrs.reported;
  const conditions: Condition[] = [];
  // An unsupported address type makes the Gateway unacceptable; a supported address this node
  // cannot serve leaves it accepted but not programmed (the suite's GatewayStaticAddresses).
  // edgegate defines no parameters kind for Gateways, so any infrastructure.parametersRef is
  // one it cannot honour: not accepted, nothing served (a half-configured Gateway is worse).
  const badParams = gw.spec.infrastructure?.parametersRef !== undefined;
  if (badParams)
    conditions.push(condition("Accepted", false, "InvalidParameters", "spec.infrastructure.parametersRef: edgegate has no Gateway parameters kind", g));
  else if (addrs.unsupported.length > 0) conditions.push(condition("Accepted", false, "UnsupportedAddress", addrs.unsupported.join("; "), g));
  else if (usable === ls.length) conditions.push(condition("Accepted", true, "Accepted", ["Gateway accepted", ...addrs.notes].join("; "), g));
  else conditions.push(condition("Accepted", usable > 0, "ListenersNotValid", `${ls.length - usable} of ${ls.length} listeners are not valid`, g));
  if (badParams) conditions.push(condition("Programmed", false, "Invalid", "the Gateway is not accepted", g));
  else if (addrs.unsupported.length > 0) conditions.push(condition("Programmed", false, "Invalid", addrs.unsupported.join("; "), g));
  else if (addrs.unusable.length > 0) conditions.push(condition("Programmed", false, "AddressNotUsable", addrs.unusable.join("; "), g));
  else
    conditions.push(
      usable > 0 ? condition("Programmed", true, "Programmed", "Gateway programmed", g) : condition("Programmed", false, "Invalid", "no valid listeners", g),
    );
  conditions.push(resolvedRefs);
  // The Gateway API asks for a visible warning when some listener accepts unverified clients.
  const fv = gw.spec.tls?.frontend;
  const insecure = [fv?.default, ...(fv?.perPort ?? []).map((p) => p.tls)].some((v) => v?.validation?.mode === "AllowInsecureFallback");
  if (insecure)
    conditions.push(
      condition(
        "InsecureFrontendValidationMode",
        true,
        "ConfigurationChanged",
        "frontend client certificate validation allows clients without a valid certificate (AllowInsecureFallback)",
        g,
      ),
    );
  return {
    kind: "Gateway",
    namespace: gw.metadata.namespace,
    name: gw.metadata.name,
    status: {
      addresses: reported.map((value) => ({ type: "IPAddress", value })),
      conditions,
      listeners: ls.map((l) => ({
        name: l.listener.name,
        supportedKinds: l.supportedKinds,
        attachedRoutes: l.attachedRoutes,
        conditions: listenerConditions(l),
      })),
      attachedListenerSets,
    },
  };
}
