// Ingress (networking.k8s.io/v1) translation, table-driven: path types and their order, regex
// paths, the default backend, TLS with SNI, host wildcards, the default IngressClass, and the
// annotations a Cilium user brings, under ingress.cilium.io/ and edgegate.io/ names.
import { describe, expect, test } from "bun:test";
import { translate, type TranslateResult } from "../../src/translate/index.ts";
import { ingressOptions, type IngressOptions } from "../../src/ingress/annotations.ts";
import type { Ingress } from "../../src/kinds/core.ts";
import { storedObject, type KubeObject, type StoredObject } from "../../src/store/types.ts";
import type { IrRoute } from "../../src/ir/types.ts";

const CONTROLLER = "edgegate.io/ingress-controller";
const PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";

type Obj = { apiVersion: string; kind: string; metadata: Record<string, unknown>; [k: string]: unknown };

// Not admitted: the fixtures' PEM blocks are placeholders that validation would reject (every
// object names its namespace, as admission would have defaulted it).
const stored = (objects: Obj[]): StoredObject[] => objects.map((o) => storedObject(o as unknown as KubeObject, { source: "kubernetes", resourceVersion: "1" }));

const ingressClass = (name: string, isDefault = false, controller = CONTROLLER): Obj => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "IngressClass",
  metadata: { name, annotations: isDefault ? { "ingressclass.kubernetes.io/is-default-class": "true" } : {} },
  spec: { controller },
});

const service = (name: string): Obj => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default" },
  spec: { ports: [{ port: 80, targetPort: 8080 }] },
});

function ingress(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): Obj {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", annotations },
    spec: { ingressClassName: "edgegate", ...spec },
  };
}

const backend = (svc: string) => ({ service: { name: svc, port: { number: 80 } } });
const rule = (host: string | undefined, paths: Array<{ path?: string; pathType: string; svc: string }>) => ({
  ...(host ? { host } : {}),
  http: { paths: paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: backend(p.svc) })) },
});

function run(objects: Obj[]): TranslateResult {
  const base = [
    ingressClass("edgegate"),
    service("a"),
    service("b"),
    service("c"),
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "tls", namespace: "default" },
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": PEM_CERT, "tls.key": PEM_KEY },
    },
  ];
  return translate(stored([...base, ...objects]), {
    controllerName: "edgegate.io/gateway-controller",
    ingressController: CONTROLLER,
    bindAddress: "0.0.0.0",
    nodeAddresses: ["192.0.2.10"],
    addressPool: [],
  });
}

function routesOf(r: TranslateResult, rc: string, domain: string): IrRoute[] {
  return r.ir.routeConfigs.find((c) => c.name === rc)?.virtualHosts.find((v) => v.domains.includes(domain))?.routes ?? [];
}

const describeRoute = (x: IrRoute): string =>
  `${x.match.path.type} ${x.match.path.value} -> ${x.action.type === "forward" ? x.action.backends.map((b) => b.cluster).join(",") : x.action.type}`;

describe("paths", () => {
  const cases: Array<{ name: string; paths: Array<{ path?: string; pathType: string; svc: string }>; want: string[] }> = [
    { name: "Exact", paths: [{ path: "/foo", pathType: "Exact", svc: "a" }], want: ["Exact /foo -> default/a/80"] },
    {
      name: "Prefix drops a trailing slash (element-wise match)",
      paths: [{ path: "/foo/", pathType: "Prefix", svc: "a" }],
      want: ["PathPrefix /foo -> default/a/80"],
    },
    {
      name: "ImplementationSpecific is a regular expression",
      paths: [{ path: "/v[0-9]+/.*", pathType: "ImplementationSpecific", svc: "a" }],
      want: ["RegularExpression /v[0-9]+/.* -> default/a/80"],
    },
    {
      name: "order: Exact > regex > Prefix, longer first",
      paths: [
        { path: "/", pathType: "Prefix", svc: "a" },
        { path: "/api", pathType: "Prefix", svc: "b" },
        { path: "/api/v1", pathType: "Prefix", svc: "c" },
        { path: "/r.*", pathType: "ImplementationSpecific", svc: "b" },
        { path: "/api", pathType: "Exact", svc: "c" },
      ],
      want: [
        "Exact /api -> default/c/80",
        "RegularExpression /r.* -> default/b/80",
        "PathPrefix /api/v1 -> default/c/80",
        "PathPrefix /api -> default/b/80",
        "PathPrefix / -> default/a/80",
      ],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = run([ingress("i", { rules: [rule("foo.example.com", c.paths)] })]);
      expect(routesOf(r, "ingress/80", "foo.example.com").map(describeRoute)).toEqual(c.want);
    });
  }
});

describe("hosts, default backend, TLS", () => {
  test("a wildcard host is a virtual host of its own (one label deep, then the host-less rules); no host means any", () => {
    const r = run([
      ingress("i", {
        rules: [rule("*.example.com", [{ path: "/", pathType: "Prefix", svc: "a" }]), rule(undefined, [{ path: "/", pathType: "Prefix", svc: "b" }])],
      }),
    ]);
    const wild = routesOf(r, "ingress/80", "*.example.com");
    expect(wild.map(describeRoute)).toEqual(["PathPrefix / -> default/a/80", "PathPrefix / -> default/b/80"]);
    expect(wild.map((x) => x.match.headers)).toEqual([
      [{ name: ":authority", type: "RegularExpression", value: "(?i)[^.:]+\\.example\\.com(:[0-9]+)?" }],
      [{ name: ":authority", type: "RegularExpression", value: "(?i)[^.:]+\\.example\\.com(:[0-9]+)?", invert: true }],
    ]);
    expect(routesOf(r, "ingress/80", "*").map(describeRoute)).toEqual(["PathPrefix / -> default/b/80"]);
  });

  test("the default backend catches every host and every unmatched path", () => {
    const r = run([ingress("i", { defaultBackend: backend("c"), rules: [rule("foo.example.com", [{ path: "/x", pathType: "Exact", svc: "a" }])] })]);
    expect(routesOf(r, "ingress/80", "foo.example.com").map(describeRoute)).toEqual(["Exact /x -> default/a/80", "PathPrefix / -> default/c/80"]);
    expect(routesOf(r, "ingress/80", "*").map(describeRoute)).toEqual(["PathPrefix / -> default/c/80"]);
  });

  test("TLS: one SNI filter chain per tls entry, terminated with the Secret", () => {
    const r = run([
      ingress("i", {
        tls: [{ hosts: ["foo.example.com"], secretName: "tls" }],
        rules: [rule("foo.example.com", [{ path: "/", pathType: "Prefix", svc: "a" }])],
      }),
    ]);
    const l443 = r.ir.listeners.find((l) => l.name === "ingress/443");
    expect(l443?.tls.map((c) => ({ sni: c.serverNames, mode: c.mode, certs: c.certificates }))).toEqual([
      { sni: ["foo.example.com"], mode: "terminate", certs: ["default/tls"] },
    ]);
    expect(routesOf(r, "ingress/443", "foo.example.com").map(describeRoute)).toEqual(["PathPrefix / -> default/a/80"]);
  });
});

describe("IngressClass", () => {
  const noClass = (): Obj => {
    const i = ingress("i", { rules: [rule("foo.example.com", [{ path: "/", pathType: "Prefix", svc: "a" }])] });
    delete (i.spec as Record<string, unknown>).ingressClassName;
    return i;
  };
  const cases: Array<{ name: string; objects: Obj[]; served: boolean }> = [
    { name: "no class, edgegate's class is the default: served", objects: [ingressClass("dflt", true), noClass()], served: true },
    { name: "no class, no default class: not served", objects: [noClass()], served: false },
    {
      name: "another controller's class: not served",
      objects: [ingressClass("other", false, "example.com/other"), ingress("i", { ingressClassName: "other", rules: [] })],
      served: false,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = run(c.objects);
      expect(r.status.some((s) => s.kind === "Ingress" && s.name === "i")).toBe(c.served);
    });
  }
});

describe("annotations (Cilium names and edgegate.io names)", () => {
  const cases: Array<{ name: string; key: string; value: string; want: Partial<IngressOptions> }> = [
    { name: "force-https", key: "force-https", value: "enabled", want: { forceHttps: true } },
    { name: "request-timeout", key: "request-timeout", value: "10s", want: { requestTimeoutMs: 10_000 } },
    { name: "tls-passthrough", key: "tls-passthrough", value: "enabled", want: { tlsPassthrough: true } },
    { name: "host-listener-port", key: "host-listener-port", value: "8080", want: { hostListenerPort: 8080 } },
    { name: "loadbalancer-mode shared", key: "loadbalancer-mode", value: "shared", want: { loadbalancerMode: "shared" } },
    { name: "loadbalancer-mode dedicated", key: "loadbalancer-mode", value: "dedicated", want: { loadbalancerMode: "dedicated" } },
    { name: "service-type", key: "service-type", value: "NodePort", want: { serviceType: "NodePort" } },
    { name: "insecure-node-port", key: "insecure-node-port", value: "30080", want: { insecureNodePort: 30080 } },
    { name: "secure-node-port", key: "secure-node-port", value: "30443", want: { secureNodePort: 30443 } },
  ];
  for (const prefix of ["ingress.cilium.io/", "edgegate.io/"]) {
    for (const c of cases) {
      test(`${prefix}${c.name}`, () => {
        const o = ingressOptions(ingress("i", {}, { [`${prefix}${c.key}`]: c.value }) as unknown as Ingress);
        expect(o).toMatchObject(c.want);
      });
    }
  }

  test("edgegate.io/ wins over ingress.cilium.io/", () => {
    const o = ingressOptions(ingress("i", {}, { "ingress.cilium.io/request-timeout": "5s", "edgegate.io/request-timeout": "7s" }) as unknown as Ingress);
    expect(o.requestTimeoutMs).toBe(7_000);
  });

  test("malformed values are ignored, not half-applied", () => {
    const o = ingressOptions(
      ingress(
        "i",
        {},
        { "ingress.cilium.io/host-listener-port": "99999", "ingress.cilium.io/loadbalancer-mode": "both", "ingress.cilium.io/request-timeout": "soon" },
      ) as unknown as Ingress,
    );
    expect(o.hostListenerPort).toBeUndefined();
    expect(o.loadbalancerMode).toBeUndefined();
    expect(o.requestTimeoutMs).toBeUndefined();
  });

  test("force-https redirects plain HTTP with 301 while HTTPS forwards", () => {
    const r = run([
      ingress(
        "i",
        { tls: [{ hosts: ["foo.example.com"], secretName: "tls" }], rules: [rule("foo.example.com", [{ path: "/", pathType: "Prefix", svc: "a" }])] },
        { "ingress.cilium.io/force-https": "enabled" },
      ),
    ]);
    const http = routesOf(r, "ingress/80", "foo.example.com")[0]!.action;
    expect(http).toMatchObject({ type: "redirect", scheme: "https", statusCode: 301 });
    expect(routesOf(r, "ingress/443", "foo.example.com")[0]!.action.type).toBe("forward");
  });

  test("tls-passthrough: an SNI chain per host proxies TLS to the backend (no certificate, no termination)", () => {
    const r = run([
      ingress("pt", { rules: [rule("pt.example.com", [{ path: "/", pathType: "Prefix", svc: "b" }])] }, { "ingress.cilium.io/tls-passthrough": "enabled" }),
      ingress("term", {
        tls: [{ hosts: ["foo.example.com"], secretName: "tls" }],
        rules: [rule("foo.example.com", [{ path: "/", pathType: "Prefix", svc: "a" }])],
      }),
    ]);
    const chains = r.ir.listeners.find((l) => l.name === "ingress/443")?.tls ?? [];
    const pt = chains.find((c) => c.serverNames.includes("pt.example.com"));
    expect(pt).toMatchObject({ mode: "passthrough", certificates: [], tcp: { backends: [{ cluster: "default/b/80/tcp", weight: 1 }] } });
    expect(chains.find((c) => c.serverNames.includes("foo.example.com"))?.mode).toBe("terminate");
  });

  test("request-timeout becomes the route timeout", () => {
    const r = run([ingress("i", { rules: [rule("foo.example.com", [{ path: "/", pathType: "Prefix", svc: "a" }])] }, { "edgegate.io/request-timeout": "1m" })]);
    expect(routesOf(r, "ingress/80", "foo.example.com")[0]!.action).toMatchObject({ type: "forward", timeoutMs: 60_000 });
  });
});
