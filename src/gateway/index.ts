// Gateway API -> IR and status. Pure: objects in, IR pieces and status out.
import type { AnyRoute, Gateway, HTTPRouteFilter, RouteKind } from "../kinds/gateway-api.ts";
import type { IrApiListener, IrListener, IrRouteConfig, IrSecret } from "../ir/types.ts";
import { listenerSteering, type SteeringTarget } from "../ir/datapath.ts";
import { condition, type Condition, type ObjectStatus, type RouteParentStatus, type TranslateProblem } from "../object-status/types.ts";
import type { Inputs } from "../translate/inputs.ts";
import type { ClusterSet } from "../translate/services.ts";
import { assignAddresses, type AddressOptions, type GatewayAddresses } from "./addresses.ts";
import { attach, parentKey, type GatewayState } from "./attach.ts";
import { listenerSetAccepted, listenerSetsOf, listenerSetStatus, type ListenerSetState } from "./listenersets.ts";
import { RouteBackends } from "./backends.ts";
import { buildGatewayIr, claimHostnames, type AttachedRoute, type HostnameApiListener } from "./build.ts";
import type { TranslateMemo } from "./memo.ts";
import { classStatus } from "./classes.ts";
import { backendClientCertificate, type BackendClient } from "./backend-client.ts";
import type { BackendTlsIndex } from "../translate/backend-tls.ts";
import { buildListeners, listenerConditions, markConflicts, type ListenerState } from "./listeners.ts";
import { markHostPorts, type HostPorts } from "./host-ports.ts";
import { classParams, type ClassSettings } from "./class-params.ts";
import { onNodePort, type ClassExposure } from "./exposure.ts";

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

export function translateGateways(
  inp: Inputs,
  opts: GatewayOptions,
  clusters: ClusterSet,
  secrets: Map<string, IrSecret>,
  backendTls?: BackendTlsIndex,
): GatewayResult {
  const out: GatewayResult = { listeners: [], routeConfigs: [], apiListeners: [], steering: [], status: [], problems: [] };
  const ours = inp.gatewayClasses.filter((c) => c.spec.controllerName === opts.controllerName);
  // A class whose parameters cannot be read serves nothing (Accepted=False, InvalidParameters).
  const classes = new Map<string, ClassSettings>();
  for (const gc of ours) {
    const p = classParams(inp, gc, opts.exposure);
    if (p.ok) classes.set(gc.metadata.name, p.settings);
    out.status.push(classStatus(gc, p));
  }
  const gateways = inp.gateways.filter((g) => classes.has(g.spec.gatewayClassName));
  const exposureOf = (gw: Gateway): ClassExposure => classes.get(gw.spec.gatewayClassName)?.exposure ?? opts.exposure;
  const addresses = assignAddresses(gateways, opts);

  const clientCerts = new Map<Gateway, BackendClient>(gateways.map((gw) => [gw, backendClientCertificate(inp, gw, secrets)]));
  /** BackendTLSPolicy ancestors: the Gateways whose attached routes use each Service. */
  const serviceGateways = new Map<string, Set<Gateway>>();
  const states = new Map<string, GatewayState>();
  /** Per Gateway: its own listeners, then those of the ListenerSets it admits (precedence order). */
  const listenerStates = new Map<Gateway, ListenerState[]>();
  const ownListeners = new Map<Gateway, ListenerState[]>();
  const listenerSets = new Map<Gateway, ListenerSetState[]>();
  for (const gw of gateways) {
    const own = buildListeners(inp, gw, secrets);
    const sets = listenerSetsOf(inp, gw, secrets);
    const ls = [...own, ...sets.flatMap((x) => x.listeners)];
    markConflicts(ls);
    if (!gatewayAccepted(gw)) {
      for (const l of ls) {
        l.usable = false;
        l.conditions.programmed = condition("Programmed", false, "Invalid", "the Gateway is not accepted (invalid parametersRef)", l.owner.generation);
      }
    }
    listenerStates.set(gw, ls);
    ownListeners.set(gw, own);
    listenerSets.set(gw, sets);
    const ns = gw.metadata.namespace;
    states.set(parentKey("Gateway", ns, gw.metadata.name), { key: `${ns}/${gw.metadata.name}`, listeners: own });
    for (const x of sets) {
      const lsNs = x.set.metadata.namespace;
      const notAccepted = x.notAllowed ?? (gatewayAccepted(gw) ? undefined : `Gateway ${ns}/${gw.metadata.name} is not accepted`);
      states.set(parentKey("ListenerSet", lsNs, x.set.metadata.name), { key: `${lsNs}/${x.set.metadata.name}`, listeners: x.listeners, notAccepted });
    }
  }
  // The ports Envoy binds: a class in nodePort exposure binds the node ports.
  const boundPort = (gw: Gateway, port: number): number => onNodePort(exposureOf(gw), port) ?? port;
  markPortClashes(gateways, listenerStates, addresses, boundPort);
  if (opts.hostPorts) markHostPorts(gateways, listenerStates, addresses, opts.hostPorts, boundPort);

  // Attach routes of every kind; collect per-gateway attached routes and route status.
  const attached = new Map<Gateway, AttachedRoute[]>();
  const kinds: Array<[RouteKind, readonly AnyRoute[]]> = [
    ["HTTPRoute", inp.httpRoutes],
    ["GRPCRoute", inp.grpcRoutes],
    ["TLSRoute", inp.tlsRoutes],
    ["TCPRoute", inp.tcpRoutes],
    ["UDPRoute", inp.udpRoutes],
  ];
  for (const [kind, routes] of kinds) {
    routes.forEach((route) => {
      // Age order as a key that does not shift when other routes come and go (memo-friendly).
      const order = `${route.metadata.creationTimestamp ?? ""}\u0000${route.metadata.namespace}/${route.metadata.name}`;
      const parents = attach(inp, route, kind, states);
      if (parents.length === 0) return;
      // A route attached to one Gateway presents that Gateway's backend client certificate.
      const parentGateways = new Set<Gateway>();
      for (const p of parents) for (const a of p.attachments) parentGateways.add(a.listener.gateway);
      let cert: string | undefined;
      let certs = 0;
      for (const gw of parentGateways) {
        const c = clientCerts.get(gw)?.secret;
        if (certs === 0 || c !== cert) certs++;
        cert = c;
      }
      const backends = new RouteBackends(inp, clusters, route, kind, certs === 1 ? cert : undefined);
      const routeNs = route.metadata.namespace;
      // Which Gateways use which Service: only needed for BackendTLSPolicy ancestors.
      if (backendTls && backendTls.states.length > 0)
        for (const rule of route.spec.rules ?? []) {
          for (const ref of rule.backendRefs ?? []) {
            if ((ref.group ?? "") !== "" || (ref.kind ?? "Service") !== "Service") continue;
            const key = `${ref.namespace ?? routeNs}/${ref.name}`;
            const set = serviceGateways.get(key) ?? new Set<Gateway>();
            parentGateways.forEach((gw) => set.add(gw));
            serviceGateways.set(key, set);
          }
        }
      resolveAllBackends(route, kind, backends);
      const parentStatus: RouteParentStatus[] = parents.map((p) => ({
        parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", ...p.parentRef, namespace: p.parentRef.namespace ?? route.metadata.namespace },
        controllerName: opts.controllerName,
        conditions: [p.accepted, backends.resolvedRefs],
      }));
      out.status.push({ kind, namespace: route.metadata.namespace, name: route.metadata.name, status: { parents: parentStatus } });
      out.problems.push(...backends.problems);
      for (const p of parents) {
        for (const a of p.attachments) {
          const gw = a.listener.gateway;
          const list = attached.get(gw) ?? [];
          list.push({ kind, route, order, backends, via: a } as AttachedRoute);
          attached.set(gw, list);
        }
      }
    });
  }

  const hostnameApiListeners: HostnameApiListener[] = [];
  for (const gw of gateways) {
    const ls = listenerStates.get(gw)!;
    const routes = attached.get(gw) ?? [];
    for (const l of ls) l.attachedRoutes = new Set(routes.filter((r) => r.via.listener === l).map((r) => r.route)).size;
    const addrs = addresses.get(gw)!;
    const ir = buildGatewayIr(gw, ls, routes, addrs, clusters, opts.memo);
    const exposure = exposureOf(gw);
    const xff = classes.get(gw.spec.gatewayClassName)?.xffNumTrustedHops;
    // nodePort exposure: Envoy binds the node port (and the datapath steers it); a listener port
    // without a node port keeps its port and is not steered: no client is meant to reach it.
    const exposed = new Set<IrListener>();
    ir.listeners = ir.listeners.map((l) => {
      const np = onNodePort(exposure, l.port);
      const bound = { ...l, port: np ?? l.port, ...(xff !== undefined ? { xffNumTrustedHops: xff } : {}) };
      if (np !== undefined) exposed.add(bound);
      return bound;
    });
    out.listeners.push(...ir.listeners);
    out.routeConfigs.push(...ir.routeConfigs);
    out.apiListeners.push(...ir.apiListeners);
    out.problems.push(...ir.problems);
    hostnameApiListeners.push(...ir.hostnameApiListeners);
    const sectionOf = new Map(ls.map((s) => [s.origin, s.section]));
    for (const l of ir.listeners) {
      if (!exposed.has(l)) continue;
      // steering points at the very sockets this listener binds (one decision: ir/datapath.ts)
      const sections = l.origins.map((o) => sectionOf.get(o) ?? o.section ?? "");
      out.steering.push(...listenerSteering(l, opts.nodeAddresses, `${gw.metadata.namespace}/${gw.metadata.name}`, sections));
    }
    const sets = listenerSets.get(gw)!;
    const attachedSets = sets.filter((x) => listenerSetAccepted(x, gatewayAccepted(gw))).length;
    out.status.push(gatewayStatus(gw, ownListeners.get(gw)!, addrs, clientCerts.get(gw)!.resolvedRefs, attachedSets));
    for (const x of sets) out.status.push(listenerSetStatus(x, gatewayAccepted(gw)));
  }
  out.apiListeners.push(...claimHostnames(hostnameApiListeners, new Set(out.apiListeners.map((a) => a.name))));
  if (backendTls) out.status.push(...policyStatus(backendTls, serviceGateways, opts.controllerName));
  return out;
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

// Two Gateways cannot both bind the same address and port on this node.
function markPortClashes(
  gateways: readonly Gateway[],
  ls: Map<Gateway, ListenerState[]>,
  addresses: ReturnType<typeof assignAddresses>,
  boundPort: (gw: Gateway, port: number) => number,
): void {
  const owner = new Map<string, string>();
  for (const gw of gateways) {
    const key = `${gw.metadata.namespace}/${gw.metadata.name}`;
    const bind = addresses.get(gw)!.bind;
    for (const l of ls.get(gw)!) {
      if (!l.usable) continue;
      for (const a of bind) {
        const sock = `${a}:${boundPort(gw, l.listener.port)}`;
        const o = owner.get(sock);
        if (o !== undefined && o !== key) {
          const g = gw.metadata.generation;
          const msg = `${sock} is already used by Gateway ${o}; give this Gateway its own spec.addresses or configure exposure.addressPool`;
          l.conditions.accepted = condition("Accepted", false, "PortUnavailable", msg, g);
          l.conditions.programmed = condition("Programmed", false, "Invalid", msg, g);
          l.usable = false;
          l.attachable = false;
        } else owner.set(sock, key);
      }
    }
  }
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

/** edgegate defines no Gateway parameters kind: a Gateway with infrastructure.parametersRef is not accepted. */
function gatewayAccepted(gw: Gateway): boolean {
  return gw.spec.infrastructure?.parametersRef === undefined;
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
