// The networking.k8s.io/v1 Ingress matching tables from the Kubernetes documentation
// (concepts/services-networking/ingress: "Examples" under Path types, and "Hostname wildcards"),
// each row run as a request through the offline evaluator of Envoy's routing semantics against the
// xDS edgegate emits, not against the IR: the answer is what Envoy would do with the config.
import { describe, expect, test } from "bun:test";
import { translate } from "../../src/translate/index.ts";
import { emitXds } from "../../src/xds/emit/index.ts";
import { xdsToJson } from "../../src/xds/json.ts";
import { storedObject, type KubeObject, type StoredObject } from "../../src/store/types.ts";
import { admitted } from "../helpers/stored.ts";
import { evaluateHttp } from "../conformance/envoy-eval/evaluate.ts";
import { asRenderJson, type RenderJson } from "../conformance/envoy-eval/types.ts";

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec: unknown };
type PathRule = { path: string; pathType: "Exact" | "Prefix" | "ImplementationSpecific"; svc: string };

const svc = (name: string): Obj => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "default", annotations: { "edgegate.io/endpoints": "10.0.0.1:80" } },
  spec: { ports: [{ port: 80 }] },
});
const klass: Obj = {
  apiVersion: "networking.k8s.io/v1",
  kind: "IngressClass",
  metadata: { name: "edgegate" },
  spec: { controller: "edgegate.io/ingress-controller" },
};

function render(rules: Array<{ host?: string; paths: PathRule[] }>, defaultSvc?: string): RenderJson {
  const ing: Obj = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "table", namespace: "default" },
    spec: {
      ingressClassName: "edgegate",
      ...(defaultSvc ? { defaultBackend: { service: { name: defaultSvc, port: { number: 80 } } } } : {}),
      rules: rules.map((r) => ({
        ...(r.host ? { host: r.host } : {}),
        http: { paths: r.paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: p.svc, port: { number: 80 } } } })) },
      })),
    },
  };
  const objects: StoredObject[] = admitted([klass, svc("a"), svc("b"), svc("c"), svc("dflt"), ing]);
  const t = translate(objects, {
    controllerName: "edgegate.io/gateway-controller",
    ingressController: "edgegate.io/ingress-controller",
    bindAddress: "0.0.0.0",
    nodeAddresses: [],
    addressPool: [],
  });
  expect(t.problems).toEqual([]);
  return asRenderJson(xdsToJson(emitXds(t.ir, { xffNumTrustedHops: 0, transparent: false })));
}

/** The Service a request reaches ("default/a/80" -> "a"), or the local status Envoy answers. */
function answer(r: RenderJson, host: string, path: string): string {
  const o = evaluateHttp(r, { scheme: "http", address: "192.0.2.1", port: 80, authority: host, method: "GET", path, headers: {} });
  if (o.kind === "upstream") return o.choices.map((c) => c.cluster.split("/")[1]).join(",");
  return o.kind === "local" ? String(o.status) : o.kind;
}

describe("Ingress path types: the documentation's Examples table", () => {
  // [kind, path(s), request path, matches?] exactly as the table lists them; "b" is a catch-all
  // absent from the Ingress, so "no match" shows as the default backend ("dflt").
  const rows: Array<{ paths: Array<Omit<PathRule, "svc">>; request: string; want: number | "none" }> = [
    { paths: [{ pathType: "Prefix", path: "/" }], request: "/anything/at/all", want: 0 },
    { paths: [{ pathType: "Exact", path: "/foo" }], request: "/foo", want: 0 },
    { paths: [{ pathType: "Exact", path: "/foo" }], request: "/bar", want: "none" },
    { paths: [{ pathType: "Exact", path: "/foo" }], request: "/foo/", want: "none" },
    { paths: [{ pathType: "Exact", path: "/foo/" }], request: "/foo", want: "none" },
    { paths: [{ pathType: "Prefix", path: "/foo" }], request: "/foo", want: 0 },
    { paths: [{ pathType: "Prefix", path: "/foo" }], request: "/foo/", want: 0 },
    { paths: [{ pathType: "Prefix", path: "/foo/" }], request: "/foo", want: 0 },
    { paths: [{ pathType: "Prefix", path: "/foo/" }], request: "/foo/", want: 0 },
    { paths: [{ pathType: "Prefix", path: "/aaa/bb" }], request: "/aaa/bbb", want: "none" },
    { paths: [{ pathType: "Prefix", path: "/aaa/bbb" }], request: "/aaa/bbb", want: 0 },
    { paths: [{ pathType: "Prefix", path: "/aaa/bbb/" }], request: "/aaa/bbb", want: 0 },
    { paths: [{ pathType: "Prefix", path: "/aaa/bbb" }], request: "/aaa/bbb/", want: 0 },
    { paths: [{ pathType: "Prefix", path: "/aaa/bbb" }], request: "/aaa/bbb/ccc", want: 0 },
    { paths: [{ pathType: "Prefix", path: "/aaa/bbb" }], request: "/aaa/bbbxyz", want: "none" },
    {
      paths: [
        { pathType: "Prefix", path: "/" },
        { pathType: "Prefix", path: "/aaa" },
      ],
      request: "/aaa/ccc",
      want: 1,
    },
    {
      paths: [
        { pathType: "Prefix", path: "/" },
        { pathType: "Prefix", path: "/aaa" },
        { pathType: "Prefix", path: "/aaa/bbb" },
      ],
      request: "/aaa/bbb",
      want: 2,
    },
    {
      paths: [
        { pathType: "Prefix", path: "/" },
        { pathType: "Prefix", path: "/aaa" },
        { pathType: "Prefix", path: "/aaa/bbb" },
      ],
      request: "/ccc",
      want: 0,
    },
    { paths: [{ pathType: "Prefix", path: "/aaa" }], request: "/ccc", want: "none" },
    {
      paths: [
        { pathType: "Prefix", path: "/foo" },
        { pathType: "Exact", path: "/foo" },
      ],
      request: "/foo",
      want: 1,
    },
  ];
  const services = ["a", "b", "c"];
  for (const row of rows) {
    const label = row.paths.map((p) => `${p.pathType} ${p.path}`).join(", ");
    test(`${label}: ${row.request} -> ${row.want === "none" ? "default backend" : `${row.paths[row.want]!.pathType} ${row.paths[row.want]!.path}`}`, () => {
      const r = render([{ host: "foo.bar.com", paths: row.paths.map((p, i) => ({ ...p, svc: services[i]! })) }], "dflt");
      expect(answer(r, "foo.bar.com", row.request)).toBe(row.want === "none" ? "dflt" : services[row.want]!);
    });
  }
});

describe("Ingress hosts: the documentation's Hostname wildcards table", () => {
  const rules = [
    { host: "foo.bar.com", paths: [{ pathType: "Prefix" as const, path: "/", svc: "a" }] },
    { host: "*.foo.com", paths: [{ pathType: "Prefix" as const, path: "/wild", svc: "b" }] },
  ];
  test("exact host: foo.bar.com matches foo.bar.com, with or without a port", () => {
    const r = render(rules, "dflt");
    expect(answer(r, "foo.bar.com", "/")).toBe("a");
    expect(answer(r, "foo.bar.com:8080", "/")).toBe("a");
  });
  test("*.foo.com matches bar.foo.com (shared suffix, one label)", () => {
    const r = render(rules, "dflt");
    expect(answer(r, "bar.foo.com", "/wild")).toBe("b");
    expect(answer(r, "BAR.Foo.com:80", "/wild")).toBe("b");
  });
  test("*.foo.com does not match baz.bar.foo.com: the wildcard covers a single DNS label", () => {
    expect(answer(render(rules, "dflt"), "baz.bar.foo.com", "/wild")).toBe("dflt");
    expect(answer(render(rules), "baz.bar.foo.com", "/wild")).toBe("404");
  });
  test("*.foo.com does not match foo.com", () => {
    expect(answer(render(rules, "dflt"), "foo.com", "/wild")).toBe("dflt");
  });
  test("a host too deep for the wildcard gets the host-less rules, as a host matching no rule does", () => {
    const r = render([...rules, { paths: [{ pathType: "Prefix", path: "/", svc: "c" }] }], "dflt");
    expect(answer(r, "baz.bar.foo.com", "/wild")).toBe("c");
    expect(answer(r, "other.example", "/wild")).toBe("c");
  });
  test("a host within the wildcard but on no path of its rule gets the default backend, not the host-less rules", () => {
    const r = render([...rules, { paths: [{ pathType: "Prefix", path: "/", svc: "c" }] }], "dflt");
    expect(answer(r, "bar.foo.com", "/elsewhere")).toBe("dflt");
  });
  test("without a default backend, an unmatched path of a matched host is 404", () => {
    expect(answer(render(rules), "bar.foo.com", "/elsewhere")).toBe("404");
    expect(answer(render(rules), "foo.bar.com:81", "/")).toBe("a");
  });
});

describe("loadbalancer-mode: dedicated Ingresses get listeners of their own", () => {
  const PEM = { crt: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", key: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n" };
  function run(ingresses: Array<{ name: string; annotations: Record<string, string>; host: string; tls?: boolean }>) {
    const objs: Obj[] = [
      klass,
      svc("a"),
      svc("b"),
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "tls", namespace: "default" },
        spec: undefined,
        ...{ type: "kubernetes.io/tls", stringData: { "tls.crt": PEM.crt, "tls.key": PEM.key } },
      } as Obj,
    ];
    for (const i of ingresses)
      objs.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: i.name, namespace: "default", annotations: i.annotations },
        spec: {
          ingressClassName: "edgegate",
          ...(i.tls ? { tls: [{ hosts: [i.host], secretName: "tls" }] } : {}),
          rules: [
            {
              host: i.host,
              http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: i.name === "d" ? "a" : "b", port: { number: 80 } } } }] },
            },
          ],
        },
      });
    // Not admitted: the Secret's PEM blocks are placeholders that validation would reject.
    const objects: StoredObject[] = objs.map((o) => storedObject(o as unknown as KubeObject, { source: "kubernetes", resourceVersion: "1" }));
    const t = translate(objects, {
      controllerName: "edgegate.io/gateway-controller",
      ingressController: "edgegate.io/ingress-controller",
      bindAddress: "0.0.0.0",
      nodeAddresses: [],
      addressPool: [],
    });
    return { t, r: asRenderJson(xdsToJson(emitXds(t.ir, { xffNumTrustedHops: 0, transparent: false }))) };
  }
  const dedicated = { "ingress.cilium.io/loadbalancer-mode": "dedicated" };
  const reach = (r: RenderJson, port: number, host: string, scheme: "http" | "https" = "http"): string => {
    const o = evaluateHttp(r, {
      scheme,
      address: "192.0.2.1",
      port,
      authority: host,
      method: "GET",
      path: "/",
      headers: {},
      ...(scheme === "https" ? { sni: host } : {}),
    });
    return o.kind === "upstream" ? o.choices.map((c) => c.cluster.split("/")[1]).join(",") : o.kind === "local" ? String(o.status) : o.kind;
  };

  test("host-listener-port: HTTP and TLS on that one port, the shared listeners do not carry its hosts", () => {
    const { t, r } = run([
      { name: "d", annotations: { ...dedicated, "ingress.cilium.io/host-listener-port": "8443" }, host: "d.example.com", tls: true },
      { name: "s", annotations: {}, host: "s.example.com" },
    ]);
    expect(t.problems).toEqual([]);
    expect(t.ir.listeners.map((l) => `${l.name} ${l.port} http=${l.http?.routeConfig ?? "-"} tls=${l.tls.length}`)).toEqual([
      "ingress/80 80 http=ingress/80 tls=0",
      "ingress/default/d/8443 8443 http=ingress/default/d/8443 tls=1",
    ]);
    expect(reach(r, 8443, "d.example.com")).toBe("a");
    expect(reach(r, 8443, "d.example.com", "https")).toBe("a");
    expect(reach(r, 80, "d.example.com")).toBe("404");
    expect(reach(r, 80, "s.example.com")).toBe("b");
    expect(reach(r, 8443, "s.example.com")).toBe("404");
  });
  test("service-type NodePort: HTTP on insecure-node-port, TLS on secure-node-port", () => {
    const { t, r } = run([
      {
        name: "d",
        annotations: {
          ...dedicated,
          "ingress.cilium.io/service-type": "NodePort",
          "ingress.cilium.io/insecure-node-port": "30080",
          "ingress.cilium.io/secure-node-port": "30443",
        },
        host: "d.example.com",
        tls: true,
      },
    ]);
    expect(t.problems).toEqual([]);
    expect(t.ir.listeners.map((l) => `${l.name} ${l.port}`)).toEqual(["ingress/default/d/30080 30080", "ingress/default/d/30443 30443"]);
    expect(reach(r, 30080, "d.example.com")).toBe("a");
    expect(reach(r, 30443, "d.example.com", "https")).toBe("a");
  });
  test("dedicated without a port: served on the shared listeners, and a problem says why", () => {
    const { t, r } = run([{ name: "d", annotations: dedicated, host: "d.example.com" }]);
    expect(t.problems.map((p) => `${p.key} ${p.path.join(".")}: ${p.message}`)).toEqual([
      "Ingress/default/d metadata.annotations.ingress.cilium.io/loadbalancer-mode: dedicated needs ingress.cilium.io/host-listener-port (or service-type: NodePort with node ports) on a node-local gateway: no per-Ingress load balancer is created; served on the shared listeners (80/443)",
    ]);
    expect(reach(r, 80, "d.example.com")).toBe("a");
  });
  test("host-listener-port without dedicated has no effect, and a problem says so", () => {
    const { t } = run([{ name: "d", annotations: { "ingress.cilium.io/host-listener-port": "8080" }, host: "d.example.com" }]);
    expect(t.problems.map((p) => p.message)).toEqual([
      "has effect only with loadbalancer-mode: dedicated; this Ingress is served on the shared listeners (80/443)",
    ]);
    expect(t.ir.listeners.map((l) => l.port)).toEqual([80]);
  });
  test("two dedicated Ingresses on one port: the first keeps it, the second is served on the shared listeners", () => {
    const port = { ...dedicated, "ingress.cilium.io/host-listener-port": "8080" };
    const { t, r } = run([
      { name: "d", annotations: port, host: "d.example.com" },
      { name: "e", annotations: port, host: "e.example.com" },
    ]);
    expect(t.problems.map((p) => `${p.key}: ${p.message}`)).toEqual([
      "Ingress/default/e: port 8080 is already used by ingress/default/d; served on the shared listeners (80/443)",
    ]);
    expect(reach(r, 8080, "d.example.com")).toBe("a");
    expect(reach(r, 80, "e.example.com")).toBe("b");
  });
});
