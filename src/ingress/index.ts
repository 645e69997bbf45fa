// networking.k8s.io/v1 Ingress -> IR and status. Served Ingresses share one HTTP listener (80) and
// one HTTPS listener (443) with a virtual host per host, as ingress controllers do; a dedicated
// Ingress (plan.ts) gets listeners of its own, built the same way.
import type { Ingress, IngressBackend, IngressPath } from "../kinds/core.ts";
import type { IrListener, IrRoute, IrRouteConfig, IrSecret, IrTlsChain, IrVirtualHost } from "../ir/types.ts";
import type { ObjectStatus, TranslateProblem } from "../object-status/types.ts";
import type { Inputs } from "../translate/inputs.ts";
import type { ClusterSet } from "../translate/services.ts";
import { certificateSecret } from "../translate/secrets.ts";
import { keyOf, refOf } from "../store/types.ts";
import type { ListenerOrigin } from "../ir/origin.ts";
import { ingressOptions } from "./annotations.ts";
import { servedIngresses } from "./classes.ts";
import { comparePaths, pathMatch } from "./paths.ts";
import { isWildcardHost, withAuthority } from "./hosts.ts";
import { planIngress, SHARED, type IngressPorts } from "./plan.ts";

export interface IngressTranslateOptions {
  controller: string;
  bindAddress: string;
  nodeAddresses: readonly string[];
}

export interface IngressResult {
  listeners: IrListener[];
  routeConfigs: IrRouteConfig[];
  status: ObjectStatus[];
  problems: TranslateProblem[];
}

interface HostRoutes {
  http: IrRoute[];
  https: IrRoute[];
  paths: Array<{ p: IngressPath; ing: Ingress; ri: number; pi: number }>;
}

export function translateIngresses(inp: Inputs, opts: IngressTranslateOptions, clusters: ClusterSet, secrets: Map<string, IrSecret>): IngressResult {
  const out: IngressResult = { listeners: [], routeConfigs: [], status: [], problems: [] };
  const served = servedIngresses(inp.ingresses, inp.ingressClasses, opts.controller);
  if (served.length === 0) return out;

  // Shared Ingresses are one group; each dedicated Ingress is a group of its own.
  const groups = new Map<string, { ports: IngressPorts; members: Ingress[] }>();
  const usedPorts = new Map<number, string>();
  for (const ing of served) {
    let ports = planIngress(ing, ingressOptions(ing), out.problems);
    const clash = [ports.http, ports.https].map((p) => usedPorts.get(p)).find((owner) => owner !== undefined && owner !== ports.name);
    if (ports !== SHARED && clash !== undefined) {
      out.problems.push({
        key: keyOf(ing),
        path: ["metadata", "annotations"],
        message: `port ${ports.http === ports.https ? ports.http : `${ports.http}/${ports.https}`} is already used by ${clash === "ingress" ? "the shared Ingress listeners" : clash}; served on the shared listeners (80/443)`,
      });
      ports = SHARED;
    }
    for (const p of [ports.http, ports.https]) usedPorts.set(p, ports.name);
    const g = groups.get(ports.name) ?? { ports, members: [] };
    g.members.push(ing);
    groups.set(ports.name, g);
  }
  for (const g of groups.values()) translateGroup(g.members, g.ports, opts, clusters, secrets, inp, out);

  for (const ing of served) {
    out.status.push({
      kind: "Ingress",
      namespace: ing.metadata.namespace,
      name: ing.metadata.name,
      status: { loadBalancer: { ingress: opts.nodeAddresses.map((ip) => ({ ip })) } },
    });
  }
  return out;
}

/** The listeners and route configurations of Ingresses served together on the same ports. */
function translateGroup(
  served: readonly Ingress[],
  ports: IngressPorts,
  opts: IngressTranslateOptions,
  clusters: ClusterSet,
  secrets: Map<string, IrSecret>,
  inp: Inputs,
  out: IngressResult,
): void {
  const hosts = new Map<string, HostRoutes>();
  const chains: IrTlsChain[] = [];
  let defaultRoute: { http: IrRoute; https: IrRoute } | undefined;
  const onePort = ports.http === ports.https;
  const httpRc = `${ports.name}/${ports.http}`;
  const httpsRc = onePort ? `${ports.name}/${ports.https}/tls` : `${ports.name}/${ports.https}`;

  const backendAction = (ing: Ingress, b: IngressBackend, path: ReadonlyArray<string | number>, timeoutMs?: number): IrRoute["action"] => {
    const ns = ing.metadata.namespace;
    const fail = (message: string): IrRoute["action"] => {
      out.problems.push({ key: keyOf(ing), path, message });
      // Like ingress-nginx: a missing Service is "unavailable", not a server error.
      return { type: "direct", status: 503 };
    };
    if (!b.service) return fail(`resource backends (${b.resource?.kind ?? "?"}) are not supported; use a Service`);
    const r = clusters.service(ns, b.service.name, b.service.port);
    if (!r.ok) return fail(r.message);
    return { type: "forward", backends: [{ cluster: r.cluster, weight: 1 }], mirrors: [], timeoutMs };
  };
  const toHttps = { type: "redirect" as const, scheme: "https", port: ports.https, statusCode: 301 };

  for (const ing of served) {
    const o = ingressOptions(ing);
    const ns = ing.metadata.namespace;
    (ing.spec.rules ?? []).forEach((rule, ri) => {
      const host = rule.host ?? "*";
      const hr = hosts.get(host) ?? { http: [], https: [], paths: [] };
      hosts.set(host, hr);
      (rule.http?.paths ?? []).forEach((p, pi) => hr.paths.push({ p, ing, ri, pi }));
    });
    if (ing.spec.defaultBackend && !defaultRoute) {
      const action = backendAction(ing, ing.spec.defaultBackend, ["spec", "defaultBackend"], o.requestTimeoutMs);
      const base = { name: `Ingress/${ns}/${ing.metadata.name}/default`, match: { path: { type: "PathPrefix" as const, value: "/" }, headers: [], query: [] } };
      defaultRoute = { https: { ...base, action }, http: o.forceHttps ? { ...base, action: toHttps } : { ...base, action } };
    }
    if (o.tlsPassthrough) {
      passthroughChains(ing, clusters, out, ports).forEach((c) => chains.push(c));
      continue;
    }
    (ing.spec.tls ?? []).forEach((t, ti) => {
      if (!t.secretName) return;
      const secret = inp.secrets.get(`${ns}/${t.secretName}`);
      const cert = secret ? certificateSecret(secret) : { ok: false as const, message: `Secret ${ns}/${t.secretName} not found` };
      if (!cert.ok) {
        out.problems.push({ key: keyOf(ing), path: ["spec", "tls", ti, "secretName"], message: cert.message });
        return;
      }
      secrets.set(cert.secret.name, cert.secret);
      chains.push({
        name: `${ports.name}/${ports.https}/${ns}/${ing.metadata.name}/${ti}`,
        serverNames: t.hosts ?? [],
        mode: "terminate",
        certificates: [cert.secret.name],
        http: { routeConfig: httpsRc },
      });
    });
  }

  // Passthrough SNI chains must win over a terminating chain with the same or a wildcard name:
  // Envoy prefers exact server names, then the longest wildcard, so order only matters among equals.
  chains.sort((a, b) => (a.mode === b.mode ? 0 : a.mode === "passthrough" ? -1 : 1));
  for (const [, hr] of hosts) {
    hr.paths.sort((a, b) => comparePaths(a.p, b.p));
    for (const { p, ing, ri, pi } of hr.paths) {
      const o = ingressOptions(ing);
      const name = `Ingress/${ing.metadata.namespace}/${ing.metadata.name}/rule/${ri}/path/${pi}`;
      const match = { path: pathMatch(p), headers: [], query: [] };
      const action = backendAction(ing, p.backend, ["spec", "rules", ri, "http", "paths", pi, "backend"], o.requestTimeoutMs);
      hr.https.push({ name, match, action });
      hr.http.push(o.forceHttps ? { name, match, action: toHttps } : { name, match, action });
    }
  }

  const vhosts = (which: "http" | "https"): IrVirtualHost[] => {
    const hostless = hosts.get("*")?.[which] ?? [];
    const routesFor = (host: string, hr: HostRoutes): IrRoute[] => {
      const last = defaultRoute ? [defaultRoute[which]] : [];
      if (!isWildcardHost(host)) return [...hr[which], ...last];
      // A host one label too deep (or the bare suffix) does not match this rule: it gets what a
      // host matching no rule gets, the host-less rules and then the default backend. A host that
      // matches the rule but none of its paths goes to the default backend, as for exact hosts.
      return [
        ...hr[which].map((r) => withAuthority(r, host)),
        ...last.map((r) => withAuthority(r, host)),
        ...hostless.map((r) => withAuthority(r, host, true)),
        ...last,
      ];
    };
    const list: IrVirtualHost[] = [...hosts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([host, hr]) => ({ name: host, domains: [host], routes: routesFor(host, hr) }));
    if (defaultRoute && !hosts.has("*")) list.push({ name: "*", domains: ["*"], routes: [defaultRoute[which]] });
    return list;
  };
  const origins = served.map((i): ListenerOrigin => ({ owner: refOf(i) }));
  const listener = (port: number, parts: Pick<IrListener, "http" | "tls">): IrListener => ({
    name: `${ports.name}/${port}`,
    address: opts.bindAddress,
    extraAddresses: [],
    port,
    ...parts,
    origins,
  });
  out.routeConfigs.push({ name: httpRc, virtualHosts: vhosts("http") });
  if (chains.some((c) => c.http)) out.routeConfigs.push({ name: httpsRc, virtualHosts: vhosts("https") });
  if (onePort) {
    out.listeners.push(listener(ports.http, { http: { routeConfig: httpRc }, tls: chains }));
    return;
  }
  out.listeners.push(listener(ports.http, { http: { routeConfig: httpRc }, tls: [] }));
  if (chains.length > 0) out.listeners.push(listener(ports.https, { tls: chains }));
}

/**
 * tls-passthrough (ingress.cilium.io/tls-passthrough): each host of the Ingress gets an SNI chain
 * on 443 that proxies the TLS bytes to the Service of its "/" path (else its first path); the
 * backend terminates TLS. HTTP paths of those hosts stay on port 80.
 */
function passthroughChains(ing: Ingress, clusters: ClusterSet, out: IngressResult, ports: IngressPorts): IrTlsChain[] {
  const ns = ing.metadata.namespace;
  const chains: IrTlsChain[] = [];
  (ing.spec.rules ?? []).forEach((rule, ri) => {
    const paths = rule.http?.paths ?? [];
    const pi = Math.max(
      0,
      paths.findIndex((p) => p.path === undefined || p.path === "/"),
    );
    const b = paths[pi]?.backend.service;
    const where = ["spec", "rules", ri, "http", "paths", pi, "backend"];
    if (!rule.host) {
      out.problems.push({
        key: keyOf(ing),
        path: ["spec", "rules", ri, "host"],
        message: "tls-passthrough needs a host: TLS connections are routed by SNI",
      });
      return;
    }
    if (!b) return;
    const r = clusters.service(ns, b.name, b.port, "tcp");
    if (!r.ok) {
      out.problems.push({ key: keyOf(ing), path: where, message: r.message });
      return;
    }
    chains.push({
      name: `${ports.name}/${ports.https}/${ns}/${ing.metadata.name}/passthrough/${ri}`,
      serverNames: [rule.host],
      mode: "passthrough",
      certificates: [],
      tcp: { backends: [{ cluster: r.cluster, weight: 1 }], statPrefix: `ingress/${ns}/${ing.metadata.name}` },
    });
  });
  return chains;
}
