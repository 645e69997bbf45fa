// Service references -> clusters with endpoints. Shared by Gateway API and Ingress translation.
import type { IrCluster, IrEndpoint } from "../ir/types.ts";
import type { Service, ServicePort } from "../kinds/core.ts";
import { EndpointsAnnotation } from "../kinds/core.ts";
import { parseEndpointList } from "../kinds/endpoints.ts";
import { nsName, type Inputs } from "./inputs.ts";
import type { BackendTlsIndex } from "./backend-tls.ts";

export type Resolution = { ok: true; cluster: string } | { ok: false; reason: "BackendNotFound" | "UnsupportedProtocol"; message: string };

export type Protocol = IrCluster["protocol"];

export function clusterName(ns: string, service: string, port: number, protocol?: Protocol): string {
  return protocol ? `${ns}/${service}/${port}/${protocol}` : `${ns}/${service}/${port}`;
}

function protocolOf(p: ServicePort): { protocol: Protocol; websocket: boolean } | { error: string } {
  switch (p.appProtocol ?? "") {
    case "":
    case "http":
    case "HTTP":
      return { protocol: "http1", websocket: true };
    case "kubernetes.io/h2c":
    case "h2c":
    case "grpc":
      return { protocol: "h2c", websocket: false };
    case "kubernetes.io/ws":
      return { protocol: "http1", websocket: true };
    // HTTP over TLS: the TLS itself comes from a BackendTLSPolicy on the port.
    case "https":
    case "HTTPS":
    case "kubernetes.io/https":
      return { protocol: "http1", websocket: true };
    default:
      return { error: `appProtocol ${JSON.stringify(p.appProtocol)} is not supported (supported: kubernetes.io/h2c, kubernetes.io/ws, http, https)` };
  }
}

function sameEndpoints(c: IrCluster, e: { endpoints: IrEndpoint[]; dns?: IrCluster["dns"] }): boolean {
  if (c.dns?.hostname !== e.dns?.hostname || c.dns?.port !== e.dns?.port) return false;
  if (c.endpoints.length !== e.endpoints.length) return false;
  return c.endpoints.every((x, i) => x.address === e.endpoints[i]!.address && x.port === e.endpoints[i]!.port && x.weight === e.endpoints[i]!.weight);
}

/** A built cluster, and the compile that last referred to it (a property write per reference, no hashing). */
export interface ClusterEntry {
  cluster: IrCluster;
  usedIn: number;
  /** What a Service cluster was built from, so its endpoints can be read again (refreshEndpoints). */
  source?: { svc: Service; port: ServicePort; tlsInvalid: boolean };
}

/** Collects the clusters one translation refers to, each built once. */
export class ClusterSet {
  /**
   * Every cluster built. A ClusterSet outlives one compile while the world is unchanged
   * (translate/world.ts): a cluster only a removed route used is still here, but not referred to
   * in this compile, so not listed.
   */
  private readonly entries = new Map<string, ClusterEntry>();
  private compileNo = 0;
  /**
   * namespace -> name -> (port[|protocol|certificate]) -> resolution: 80,000 lookups at 10k routes,
   * nested rather than keyed by a joined "namespace/name" string, which cost a string build and
   * hash per lookup (about a third of a one-route change's translation).
   */
  private readonly memo = new Map<string, Map<string, Map<string | number, { r: Resolution; e?: ClusterEntry }>>>();
  constructor(
    private readonly inp: Inputs,
    private readonly backendTls?: BackendTlsIndex,
  ) {}

  /**
   * Resolves a Service port to a cluster. `want` forces a protocol (GRPCRoute backends are h2c,
   * TLSRoute backends raw TCP), which gets its own cluster name if the Service says otherwise.
   */
  service(ns: string, name: string, port: { number?: number; name?: string }, want?: Protocol, clientCertificate?: string): Resolution {
    return this.serviceEntry(ns, name, port, want, clientCertificate).r;
  }

  /** service(), with the cluster's entry for `use` when it resolved. */
  serviceEntry(
    ns: string,
    name: string,
    port: { number?: number; name?: string },
    want?: Protocol,
    clientCertificate?: string,
  ): { r: Resolution; e?: ClusterEntry } {
    let perNamespace = this.memo.get(ns);
    if (!perNamespace) {
      perNamespace = new Map();
      this.memo.set(ns, perNamespace);
    }
    let perService = perNamespace.get(name);
    if (!perService) {
      perService = new Map();
      perNamespace.set(name, perService);
    }
    // The common case (a numbered port, no forced protocol, no client certificate) keys by number.
    const portKey: string | number =
      want === undefined && clientCertificate === undefined && port.number !== undefined
        ? port.number
        : `${port.number ?? ""}|${port.name ?? ""}|${want ?? ""}|${clientCertificate ?? ""}`;
    let m = perService.get(portKey);
    if (!m) {
      const r = this.resolve(ns, name, port, want, clientCertificate);
      m = r.ok ? { r, e: this.entries.get(r.cluster) } : { r };
      perService.set(portKey, m);
    }
    if (m.e) m.e.usedIn = this.compileNo;
    return m;
  }

  /**
   * The Services and EndpointSlices changed, but only in what gives endpoints (translate/world.ts
   * checked): every resolution stays as it is, and each Service cluster reads its endpoints again
   * from the inputs (which the caller has updated). A new cluster object where they differ, so
   * the emit memo sees exactly which clusters changed.
   */
  refreshEndpoints(): void {
    for (const entry of this.entries.values()) {
      const src = entry.source;
      if (!src || src.tlsInvalid) continue;
      const svc = this.inp.services.get(nsName(src.svc.metadata.namespace, src.svc.metadata.name));
      if (!svc) continue;
      src.svc = svc;
      const e = this.endpoints(svc, src.port);
      if (sameEndpoints(entry.cluster, e)) continue;
      const c: IrCluster = { ...entry.cluster, endpoints: e.endpoints };
      if (e.dns) c.dns = e.dns;
      else delete c.dns;
      entry.cluster = c;
    }
  }

  /**
   * A Service was added, removed or changed in more than its endpoints (translate/world.ts): its
   * resolutions and clusters are dropped, so the next lookup reads it again. The routes that
   * looked it up are translated again (gateway/memo.ts); nothing else refers to these clusters.
   */
  forgetService(key: string): void {
    const slash = key.indexOf("/");
    this.memo.get(key.slice(0, slash))?.delete(key.slice(slash + 1));
    for (const [name, e] of this.entries) {
      if (e.source && nsName(e.source.svc.metadata.namespace, e.source.svc.metadata.name) === key) this.entries.delete(name);
    }
  }

  /** A new compile with the same world: nothing is referred to until resolved again or `use`d. */
  beginCompile(): void {
    this.compileNo++;
  }

  /** A cluster a remembered resolution of this ClusterSet refers to (a route reused from the memo). */
  use(entry: ClusterEntry): void {
    entry.usedIn = this.compileNo;
  }

  private resolve(ns: string, name: string, port: { number?: number; name?: string }, want?: Protocol, clientCertificate?: string): Resolution {
    const svc = this.inp.services.get(nsName(ns, name));
    if (!svc) return { ok: false, reason: "BackendNotFound", message: `Service ${ns}/${name} not found` };
    const sp = (svc.spec.ports ?? []).find((p) => (port.number !== undefined ? p.port === port.number : p.name === port.name));
    if (!sp && svc.spec.type !== "ExternalName") {
      const desc = port.number !== undefined ? `port ${port.number}` : `port named ${JSON.stringify(port.name)}`;
      return { ok: false, reason: "BackendNotFound", message: `Service ${ns}/${name} has no ${desc}` };
    }
    const servicePort: ServicePort = sp ?? { port: port.number ?? 0 };
    const proto = protocolOf(servicePort);
    if ("error" in proto) return { ok: false, reason: "UnsupportedProtocol", message: `Service ${ns}/${name} port ${servicePort.port}: ${proto.error}` };
    const protocol = want ?? proto.protocol;
    // BackendTLSPolicy applies to HTTP and gRPC traffic; TLSRoute backends carry their own TLS.
    const pt =
      protocol === "http1" || protocol === "h2c" ? (this.backendTls?.forPort(ns, name, servicePort) ?? { kind: "none" as const }) : { kind: "none" as const };
    const client = pt.kind === "tls" ? clientCertificate : undefined;
    let cname = clusterName(ns, name, servicePort.port, protocol === proto.protocol ? undefined : protocol);
    // A Gateway's backend client certificate makes its own cluster: the same Service reached
    // from another Gateway presents another certificate (or none).
    if (client) cname = `${cname}/client=${client}`;
    if (!this.entries.has(cname)) {
      const c: IrCluster = { name: cname, protocol, websocket: protocol === "http1" && proto.websocket, ...this.endpoints(svc, servicePort) };
      if (pt.kind === "tls") c.tls = { ...pt.tls, clientCertificate: client };
      // A policy that cannot be honoured must not fall back to plaintext: no endpoints, so Envoy
      // answers 503 instead of sending the request unencrypted.
      if (pt.kind === "invalid") {
        c.endpoints = [];
        delete c.dns;
      }
      this.entries.set(cname, { cluster: c, usedIn: this.compileNo, source: { svc, port: servicePort, tlsInvalid: pt.kind === "invalid" } });
    }
    return { ok: true, cluster: cname };
  }

  /**
   * One cluster holding the endpoints of several, each endpoint weighted by its backend's weight
   * over that backend's endpoint count: a weighted split for proxies that take a single cluster
   * (Envoy's udp_proxy). DNS clusters cannot be merged: the caller reports them.
   */
  composite(name: string, parts: ReadonlyArray<{ cluster: string; weight: number }>): { ok: true; cluster: string } | { ok: false; message: string } {
    const endpoints: IrEndpoint[] = [];
    // Envoy caps the sum of a locality's endpoint weights at 2^32-1: scale the split to ~10^6 in all.
    const total = parts.reduce((a, p) => a + p.weight, 0) || 1;
    for (const p of parts) {
      const c = this.entries.get(p.cluster)?.cluster;
      if (!c) return { ok: false, message: `cluster ${p.cluster} is not known` };
      if (c.dns) return { ok: false, message: `${p.cluster} is resolved by DNS and cannot share a weighted UDP split` };
      // Integer weights Envoy accepts (1..2^32-1): the backend's weight spread over its endpoints.
      for (const e of c.endpoints) endpoints.push({ ...e, weight: Math.max(1, Math.round(((p.weight / total) * 1_000_000) / c.endpoints.length)) });
    }
    this.entries.set(name, { cluster: { name, protocol: "udp", endpoints }, usedIn: this.compileNo });
    return { ok: true, cluster: name };
  }

  list(): IrCluster[] {
    const out: IrCluster[] = [];
    for (const e of this.entries.values()) if (e.usedIn === this.compileNo) out.push(e.cluster);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private endpoints(svc: Service, sp: ServicePort): { endpoints: IrEndpoint[]; dns?: IrCluster["dns"] } {
    const ns = svc.metadata.namespace;
    const target = typeof sp.targetPort === "number" ? sp.targetPort : sp.targetPort === undefined ? sp.port : undefined;
    if (svc.spec.type === "ExternalName" && svc.spec.externalName) {
      return { endpoints: [], dns: { hostname: svc.spec.externalName, port: target ?? sp.port } };
    }
    const ann = svc.metadata.annotations?.[EndpointsAnnotation];
    if (ann !== undefined) {
      const eps = parseEndpointList(ann).endpoints;
      const dns = eps.find((e) => e.dns);
      // A DNS name among static endpoints: Envoy resolves it (one name per cluster, like ExternalName).
      if (dns) return { endpoints: [], dns: { hostname: dns.host, port: dns.port ?? target ?? sp.port } };
      return { endpoints: eps.map((e) => ({ address: e.host, port: e.port ?? target ?? sp.port })) };
    }
    const out: IrEndpoint[] = [];
    const seen = new Set<string>();
    for (const slice of this.inp.endpointSlices.get(nsName(ns, svc.metadata.name)) ?? []) {
      if (slice.addressType === "FQDN") continue;
      // EndpointSlice ports carry the Service port's name; a named targetPort is resolved here.
      const slicePort =
        (slice.ports ?? []).find((p) => (p.name ?? "") === (sp.name ?? "")) ?? (slice.ports?.length === 1 && !sp.name ? slice.ports[0] : undefined);
      const port = slicePort?.port ?? target;
      if (port === undefined) continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        for (const a of ep.addresses) {
          const k = `${a}:${port}`;
          if (seen.has(k)) continue;
          seen.add(k);
          out.push({ address: a, port });
        }
      }
    }
    out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
    return { endpoints: out };
  }
}
