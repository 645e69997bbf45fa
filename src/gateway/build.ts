// Assembles one Gateway's IR: an Envoy listener per port, virtual hosts per hostname with listener
// isolation, TLS filter chains by SNI, and api listeners for proxyless gRPC.
import type { Gateway, GRPCRoute, HTTPRoute, TCPRoute, TLSRoute, UDPRoute } from "../kinds/gateway-api.ts";
import type { IrApiListener, IrListener, IrRoute, IrRouteConfig, IrTlsChain, IrVirtualHost } from "../ir/types.ts";
import type { Attachment } from "./attach.ts";
import type { RouteBackends } from "./backends.ts";
import { grpcRouteRules, httpRouteRules, type RouteWithKey } from "./http-rules.ts";
import type { ListenerState } from "./listeners.ts";
import { sortRoutes } from "./precedence.ts";
import { hostMatches, specificity } from "./hostnames.ts";
import type { GatewayAddresses } from "./addresses.ts";
import type { TranslateMemo } from "./memo.ts";
import type { ClusterSet } from "../translate/services.ts";
import type { TranslateProblem } from "../object-status/types.ts";

/**
 * order: the route's age key, see RankKey.routeOrder. rules: the route's rules by listener port and
 * protocol, shared by its attachments and kept with its attachment (memo.ts) while the route and
 * the world are unchanged.
 */
interface Attached {
  order: string;
  backends: RouteBackends;
  via: Attachment;
  rules: Map<string, RouteWithKey[]>;
}
export type AttachedRoute =
  | (Attached & { kind: "HTTPRoute"; route: HTTPRoute })
  | (Attached & { kind: "GRPCRoute"; route: GRPCRoute })
  | (Attached & { kind: "TLSRoute"; route: TLSRoute })
  | (Attached & { kind: "TCPRoute"; route: TCPRoute })
  | (Attached & { kind: "UDPRoute"; route: UDPRoute });

export interface GatewayIr {
  listeners: IrListener[];
  routeConfigs: IrRouteConfig[];
  apiListeners: IrApiListener[];
  /** Api listeners named after GRPCRoute hostnames; several Gateways may claim one, see claimHostnames. */
  hostnameApiListeners: HostnameApiListener[];
  problems: TranslateProblem[];
}

export interface HostnameApiListener extends IrApiListener {
  /** Sorts oldest Gateway first (creationTimestamp, then namespace/name), then the listener's precedence. */
  rank: string;
}

const misdirected: IrRoute = {
  name: "misdirected-request",
  match: { path: { type: "PathPrefix", value: "/" }, headers: [], query: [] },
  action: { type: "direct", status: 421, body: "Misdirected Request: this host is not served on this TLS connection\n" },
};

/** Routes of the listeners on one port, merged into virtual hosts by hostname. */
function virtualHosts(
  /** The route configuration's name: the memo's scope for its hostnames. */
  scope: string,
  listeners: readonly ListenerState[],
  attached: readonly AttachedRoute[],
  kinds: ReadonlySet<string>,
  memo: TranslateMemo | undefined,
): IrVirtualHost[] {
  // The most specific listener claims a hostname first: a request for foo.example.com must only
  // see routes of listener "foo.example.com", not those of "*.example.com" (listener isolation).
  const ordered = [...listeners].sort((a, b) => specificity(b.listener.hostname) - specificity(a.listener.hostname));
  const owner = new Map<string, ListenerState>();
  // Per hostname, the rule lists of its routes (each the same array while its route is unchanged):
  // an unchanged hostname is recognised by ten list identities, not forty rules.
  const routes = new Map<string, RouteWithKey[][]>();
  for (const l of ordered) {
    // Rules depend on the route (its object, hence its age key too) and the listener's port and
    // protocol; a route attached twice to one listener (two parentRefs) is built once.
    const lctx = { port: l.listener.port, protocol: l.listener.protocol };
    const memoKey = `${lctx.port}|${lctx.protocol}`;
    for (const a of attached) {
      if (a.via.listener !== l || !kinds.has(a.kind)) continue;
      let rules = a.rules.get(memoKey);
      if (!rules) {
        const build = (): RouteWithKey[] =>
          a.kind === "HTTPRoute"
            ? httpRouteRules(a.route, a.backends, lctx, a.order)
            : a.kind === "GRPCRoute"
              ? grpcRouteRules(a.route, a.backends, lctx, a.order)
              : [];
        rules = memo ? memo.rules(a.route, memoKey, () => a.backends.signature(), build) : build();
        a.rules.set(memoKey, rules);
      }
      for (const h of a.via.hostnames ?? ["*"]) {
        const o = owner.get(h);
        if (o && o !== l) continue;
        owner.set(h, l);
        const list = routes.get(h);
        if (list) list.push(rules);
        else routes.set(h, [rules]);
      }
    }
  }
  return [...routes.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([domain, list]) => {
      const sorted = (): IrRoute[] => sortRoutes(list.flat()).map((r) => r.route);
      return { name: domain, domains: [domain], routes: memo ? memo.hostRoutes(`${scope}\u0000${domain}`, list, sorted) : sorted() };
    });
}

export function buildGatewayIr(
  gw: Gateway,
  listeners: readonly ListenerState[],
  attached: readonly AttachedRoute[],
  addrs: GatewayAddresses,
  clusters: ClusterSet,
  memo?: TranslateMemo,
): GatewayIr {
  const ns = gw.metadata.namespace;
  const base = `${ns}/${gw.metadata.name}`;
  const out: GatewayIr = { listeners: [], routeConfigs: [], apiListeners: [], hostnameApiListeners: [], problems: [] };
  const age = `${gw.metadata.creationTimestamp ?? ""}\u0000${base}`;
  const usable = listeners.filter((l) => l.usable);
  // A UDP listener is a socket of its own, beside a TCP one on the same port number.
  const udp = (l: ListenerState): boolean => l.listener.protocol === "UDP";
  const sockets = [...new Set(usable.map((l) => `${l.listener.port}/${udp(l) ? "udp" : "tcp"}`))].sort(
    (a, b) => parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : 1),
  );
  const infra = gw.spec.infrastructure ? { labels: gw.spec.infrastructure.labels ?? {}, annotations: gw.spec.infrastructure.annotations ?? {} } : undefined;
  const httpKinds = new Set(["HTTPRoute", "GRPCRoute"]);
  for (const socket of sockets) {
    const port = parseInt(socket, 10);
    const onPort = usable.filter((l) => `${l.listener.port}/${udp(l) ? "udp" : "tcp"}` === socket);
    const ir: IrListener = {
      name: socket.endsWith("/udp") ? `${base}/${socket}` : `${base}/${port}`,
      address: addrs.bind[0]!,
      extraAddresses: addrs.bind.slice(1),
      port,
      tls: [],
      origins: onPort.map((l) => l.origin),
      infrastructure: infra,
    };
    const protocol = onPort[0]!.listener.protocol;
    if (protocol === "TCP" || protocol === "UDP") {
      // Listeners on one socket agree on the protocol and only one TCP/UDP listener can own it.
      if (!l4Listener(ir, onPort[0]!, attached, clusters, out.problems)) continue;
    } else if (protocol === "HTTP") {
      const rc = `${base}/${port}`;
      ir.http = { routeConfig: rc };
      out.routeConfigs.push({ name: rc, virtualHosts: virtualHosts(rc, onPort, attached, httpKinds, memo) });
    } else {
      for (const l of [...onPort].sort((a, b) => specificity(b.listener.hostname) - specificity(a.listener.hostname))) {
        ir.tls.push(...tlsChains(base, l, attached, out, onPort, memo));
      }
    }
    out.listeners.push(ir);
    for (const l of onPort) {
      const grpc = attached.filter((a) => a.kind === "GRPCRoute" && a.via.listener === l);
      if (grpc.length === 0) continue;
      const rc = `${base}/${l.section}/grpc`;
      out.routeConfigs.push({ name: rc, virtualHosts: virtualHosts(rc, [l], attached, new Set(["GRPCRoute"]), memo) });
      // The name is what a client dials (xds:///NAME) and becomes its :authority, which must not
      // contain "/": so DNS-style, listener.gateway.namespace.
      out.apiListeners.push({ name: `${l.section}.${gw.metadata.name}.${ns}`, routeConfig: rc });
      // A client matches virtual hosts against the name it dials (gRFC A27), so a route's
      // hostname is only reachable by dialing xds:///<hostname>: serve one api listener per exact
      // hostname. A wildcard cannot be dialed; such hosts need the listener name plus an authority
      // override (grpc.default_authority).
      const rank = `${age}\u0000${String(listeners.indexOf(l)).padStart(4, "0")}`;
      const hosts = new Set(grpc.flatMap((a) => a.via.hostnames ?? []).filter((h) => !h.startsWith("*")));
      for (const h of [...hosts].sort()) out.hostnameApiListeners.push({ name: h, routeConfig: rc, rank });
    }
  }
  return out;
}

/**
 * TCPRoute / UDPRoute on a TCP / UDP listener: the oldest attached route serves every connection
 * (the Gateway API's conflict rule; newer routes stay Accepted and counted, but get no traffic).
 * Returns false when there is nothing to proxy to, so no socket is opened: a client is refused
 * at once instead of connecting to a black hole.
 */
function l4Listener(ir: IrListener, l: ListenerState, attached: readonly AttachedRoute[], clusters: ClusterSet, problems: TranslateProblem[]): boolean {
  const kind = l.listener.protocol === "UDP" ? "UDPRoute" : "TCPRoute";
  const mine = attached.filter((a) => a.kind === kind && a.via.listener === l).sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  const a = mine[0];
  if (!a || (a.kind !== "TCPRoute" && a.kind !== "UDPRoute")) return false;
  const rule = a.route.spec.rules[0];
  const protocol = kind === "UDPRoute" ? "udp" : "tcp";
  const backends = (rule?.backendRefs ?? [])
    .map((ref, i) => ({ cluster: a.backends.resolve(ref, ["spec", "rules", 0, "backendRefs", i], protocol), weight: ref.weight ?? 1 }))
    .filter((b): b is { cluster: string; weight: number } => b.weight > 0 && b.cluster !== undefined);
  if (backends.length === 0) return false;
  const statPrefix = `${a.route.metadata.namespace}/${a.route.metadata.name}`;
  if (kind === "TCPRoute") {
    ir.tcp = { backends, statPrefix };
    return true;
  }
  if (backends.length === 1) {
    ir.udp = { cluster: backends[0]!.cluster, statPrefix };
    return true;
  }
  const c = clusters.composite(`${statPrefix}/udp`, backends);
  if (!c.ok) {
    problems.push({ key: `UDPRoute/${statPrefix}`, path: ["spec", "rules", 0, "backendRefs"], message: `${c.message}; only the first backend is used` });
    ir.udp = { cluster: backends[0]!.cluster, statPrefix };
    return true;
  }
  ir.udp = { cluster: c.cluster, statPrefix };
  return true;
}

/**
 * One api listener per hostname across all Gateways. A hostname that two listeners claim (two
 * Gateways, or two ports of one Gateway) is served by one of them only: the oldest Gateway wins
 * (creationTimestamp, then namespace/name, as Gateway API resolves conflicts), then the listener
 * that comes first in precedence order. Names already taken by "<listener>.<gateway>.<namespace>"
 * api listeners stay theirs.
 */
export function claimHostnames(candidates: readonly HostnameApiListener[], taken: ReadonlySet<string>): IrApiListener[] {
  const won = new Map<string, HostnameApiListener>();
  for (const c of candidates) {
    if (taken.has(c.name)) continue;
    const cur = won.get(c.name);
    if (!cur || c.rank < cur.rank) won.set(c.name, c);
  }
  return [...won.values()].map(({ name, routeConfig }) => ({ name, routeConfig }));
}

function tlsChains(
  base: string,
  l: ListenerState,
  attached: readonly AttachedRoute[],
  out: GatewayIr,
  onPort: readonly ListenerState[],
  memo: TranslateMemo | undefined,
): IrTlsChain[] {
  const serverNames = l.listener.hostname ? [l.listener.hostname] : [];
  const chainBase = `${base}/${l.section}`;
  if (l.listener.protocol === "HTTPS") {
    const rc = `${base}/${l.listener.port}/${l.section}`;
    let vhosts = virtualHosts(rc, [l], attached, new Set(["HTTPRoute", "GRPCRoute"]), memo);
    // A connection for this listener's SNI that asks for another host gets 421 (RFC 9110 §15.5.20):
    // hosts that a more specific listener on the same port owns (its SNI chain serves them)...
    const own = l.listener.hostname;
    const others = onPort
      .filter((m) => m !== l && m.listener.protocol === "HTTPS" && m.listener.hostname !== undefined && specificity(m.listener.hostname) > specificity(own))
      .map((m) => m.listener.hostname!)
      .filter((h) => own === undefined || hostMatches(own, h) || (h.startsWith("*.") && own.startsWith("*.") && h.endsWith(own.slice(1))));
    if (others.length > 0) {
      const taken = new Set(others);
      vhosts = vhosts.filter((v) => !v.domains.some((d) => taken.has(d)));
      for (const h of [...taken].sort()) vhosts.push({ name: `misdirected/${h}`, domains: [h], routes: [misdirected] });
    }
    // ...and, for a listener with a hostname, every host outside it.
    if (own) vhosts.push({ name: "misdirected", domains: ["*"], routes: [misdirected] });
    out.routeConfigs.push({ name: rc, virtualHosts: vhosts, misdirectedRequestCheck: !!l.listener.hostname });
    return [{ name: chainBase, serverNames, mode: "terminate", certificates: l.certificates, clientValidation: l.clientValidation, http: { routeConfig: rc } }];
  }
  // TLS listener: one chain per TLSRoute, matched by the route's hostnames.
  const chains: IrTlsChain[] = [];
  const claimed = new Set<string>();
  for (const a of attached) {
    if (a.kind !== "TLSRoute" || a.via.listener !== l) continue;
    const names = (a.via.hostnames ?? serverNames).filter((h) => !claimed.has(h));
    if (a.via.hostnames !== undefined && names.length === 0) continue;
    names.forEach((h) => claimed.add(h));
    const rule = a.route.spec.rules[0];
    const backends = (rule?.backendRefs ?? [])
      .map((ref, i) => ({ cluster: a.backends.resolve(ref, ["spec", "rules", 0, "backendRefs", i], "tcp"), weight: ref.weight ?? 1 }))
      .filter((b) => b.weight > 0);
    chains.push({
      name: `${chainBase}/${a.route.metadata.namespace}/${a.route.metadata.name}`,
      serverNames: names,
      mode: l.tlsMode === "Terminate" ? "terminate" : "passthrough",
      certificates: l.tlsMode === "Terminate" ? l.certificates : [],
      tcp: { backends, statPrefix: `${a.route.metadata.namespace}/${a.route.metadata.name}` },
    });
  }
  return chains;
}
