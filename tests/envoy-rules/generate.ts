// A generated corpus: seeded random Gateway API and Ingress inputs that mix plausible values with
// the ones Envoy refuses (regexes RE2 rejects or finds too large, header names and values with
// CR/LF/NUL, `%`, Host and pseudo-headers, backslashes in rewrites, trailing slashes, ...).
// Validation must drop every object that would make Envoy refuse the emitted configuration: the
// test checks what is left. Deterministic for a seed, so a failure reproduces.
import { rng } from "../helpers/rng.ts";

// RE2 factors alternations of words, so size comes from counted repetition: program size ~1,200.
const bigAlternation = "/[a-z]{600}/[0-9]{600}";
export const REGEXES = [
  "/v[0-9]+/.*",
  "/(?P<id>[0-9]+)/items",
  ".*",
  "/a|/b",
  "^/exact$",
  "(?i)/caps/[a-z]+",
  "/[^/]+/x",
  "\\p{Greek}+",
  bigAlternation,
  "\\Z",
  "/a\\cJ",
  "a{1001}",
  "(a{100}){100}",
  "(?=a)b",
  "/(unclosed",
  "",
  "[z-a]",
  "/x\\1",
];
// A long prefix: with ReplacePrefixMatch edgegate emits `^PREFIX/*`; RE2 keeps an anchored literal
// prefix out of the program, so its size stays small (the checker measures it).
const PATHS = ["/", "/api", "/api/", "/a/b/", "/x%2F", "/with\nnl", "/sp ace", "/ünï", "/pct%20", "/q?x", `/${"long".repeat(250)}`];
const HEADER_NAMES = ["x-a", "X-Upper", "x-b", "host", "Host", ":path", "bad name", "x_c", "content-type"];
const HEADER_VALUES = ["v", "50%", "100%%", "%REQ(x-a)%", "a\r\nb", "a\nb", "a\u0000b", "ünï", " spaced ", "tab\there", ""];
const REWRITES = ["/new", "/a\\1", "/back\\slash", "/with space", "/crlf\r\nx", "/pct%20", "/trail/", "/", "/ünï"];
const HOSTS = ["a.example.com", "*.example.com", "b.example.com", "A.Example.com", "x"];
const ORIGINS = ["https://a.example.com", "*", "https://*.example.com", "http://x:8080", "https://bad\r\norigin"];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A certificate and key (PEM) for the HTTPS listener, or none to leave TLS out. */
export interface TlsPem {
  cert: string;
  key: string;
}

export function generateSet(seed: number, pem?: TlsPem): Array<{ file: string; text: string }> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const some = <T>(xs: readonly T[], max: number): T[] => Array.from({ length: Math.floor(r() * (max + 1)) }, () => pick(xs));
  const ns = "gen";
  const docs: Json[] = [];
  docs.push({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GatewayClass",
    metadata: { name: "edgegate" },
    spec: { controllerName: "edgegate.io/gateway-controller" },
  });
  docs.push({
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: { name: "edgegate" },
    spec: { controller: "edgegate.io/ingress-controller" },
  });
  for (const s of ["a", "b", "c"]) {
    docs.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: s, namespace: ns, annotations: { "edgegate.io/endpoints": `192.0.2.${s.charCodeAt(0) - 96}:8080` } },
      spec: { ports: [{ name: "http", port: 80 }] },
    });
  }
  const listeners: Json[] = [
    { name: "http", port: 8080, protocol: "HTTP" },
    { name: "http-host", port: 8080, protocol: "HTTP", hostname: pick(HOSTS) },
    { name: "grpc", port: 8081, protocol: "HTTP", hostname: "grpc.example.com" },
  ];
  if (pem) {
    // SNI filter chains (TLS inspector), SDS secrets, passthrough with a TLSRoute.
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    docs.push({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "tls", namespace: ns },
      type: "kubernetes.io/tls",
      data: { "tls.crt": b64(pem.cert), "tls.key": b64(pem.key) },
    });
    listeners.push({ name: "https", port: 8443, protocol: "HTTPS", hostname: pick(HOSTS), tls: { mode: "Terminate", certificateRefs: [{ name: "tls" }] } });
    listeners.push({ name: "https-any", port: 8443, protocol: "HTTPS", tls: { mode: "Terminate", certificateRefs: [{ name: pick(["tls", "missing"]) }] } });
    listeners.push({ name: "passthrough", port: 9443, protocol: "TLS", hostname: pick(HOSTS), tls: { mode: "Passthrough" } });
    docs.push({
      apiVersion: "gateway.networking.k8s.io/v1alpha2",
      kind: "TLSRoute",
      metadata: { name: "t", namespace: ns },
      spec: {
        parentRefs: [{ name: "gw", sectionName: "passthrough" }],
        hostnames: some(HOSTS, 2),
        rules: [{ backendRefs: [{ name: pick(["a", "b"]), port: 80 }] }],
      },
    });
  }
  docs.push({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "gw", namespace: ns },
    spec: { gatewayClassName: "edgegate", listeners },
  });
  const backend = (): Json => ({ name: pick(["a", "b", "c"]), port: 80, weight: pick([0, 1, 50]) });
  const headerMod = (): Json => ({
    set: some(HEADER_NAMES, 2).map((n, i) => ({ name: `${n}${i === 0 ? "" : i}`, value: pick(HEADER_VALUES) })),
    add: some(HEADER_NAMES, 1).map((n) => ({ name: `${n}-add`, value: pick(HEADER_VALUES) })),
    remove: some(HEADER_NAMES, 1),
  });
  const filter = (): Json => {
    switch (pick(["req", "res", "redirect", "rewrite", "cors", "mirror"])) {
      case "req":
        return { type: "RequestHeaderModifier", requestHeaderModifier: headerMod() };
      case "res":
        return { type: "ResponseHeaderModifier", responseHeaderModifier: headerMod() };
      case "redirect":
        return {
          type: "RequestRedirect",
          requestRedirect: {
            hostname: pick(HOSTS).replace("*.", "w."),
            statusCode: 302,
            path: r() < 0.5 ? { type: "ReplaceFullPath", replaceFullPath: pick(REWRITES) } : { type: "ReplacePrefixMatch", replacePrefixMatch: pick(REWRITES) },
          },
        };
      case "rewrite":
        return {
          type: "URLRewrite",
          urlRewrite: {
            hostname: "rewritten.example.com",
            path: r() < 0.5 ? { type: "ReplaceFullPath", replaceFullPath: pick(REWRITES) } : { type: "ReplacePrefixMatch", replacePrefixMatch: pick(REWRITES) },
          },
        };
      case "cors":
        return {
          type: "CORS",
          cors: { allowOrigins: some(ORIGINS, 2), allowMethods: some(["GET", "POST", "*"], 1), allowHeaders: some(["x-a", "bad header", "*"], 1), maxAge: 10 },
        };
      default:
        return { type: "RequestMirror", requestMirror: { backendRef: { name: pick(["a", "b"]), port: 80 }, percent: 50 } };
    }
  };
  const routes = 1 + Math.floor(r() * 3);
  for (let i = 0; i < routes; i++) {
    const rules: Json[] = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
      const pathType = pick(["Exact", "PathPrefix", "RegularExpression"]);
      const match: { [k: string]: Json } = { path: { type: pathType, value: pathType === "RegularExpression" ? pick(REGEXES) : pick(PATHS) } };
      if (r() < 0.4) match.headers = [{ type: pick(["Exact", "RegularExpression"]), name: pick(["x-m", "x-n"]), value: pick(REGEXES) || "v" }];
      if (r() < 0.3) match.queryParams = [{ type: pick(["Exact", "RegularExpression"]), name: "q", value: pick(REGEXES) || "v" }];
      const filters = some([0, 1, 2], 2).map(filter);
      const hasRedirect = filters.some((f) => (f as { type: string }).type === "RequestRedirect");
      return { matches: [match], filters, backendRefs: hasRedirect ? [] : some([0], 2).map(backend) };
    });
    docs.push({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: `r${i}`, namespace: ns },
      spec: {
        parentRefs: [{ name: "gw", sectionName: pick(pem ? ["http", "http-host", "https", "https-any"] : ["http", "http-host"]) }],
        hostnames: some(HOSTS, 2),
        rules,
      },
    });
  }
  docs.push({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GRPCRoute",
    metadata: { name: "g", namespace: ns },
    spec: {
      parentRefs: [{ name: "gw", sectionName: "grpc" }],
      rules: [
        {
          matches: [
            {
              method:
                r() < 0.5
                  ? { type: "RegularExpression", service: pick(REGEXES) || "svc", method: pick(["Get.*", "[A-Z]\\w+", "(x"]) }
                  : { service: "pkg.Echo", method: "Say" },
            },
          ],
          filters: some([0], 1).map(() => ({ type: "RequestHeaderModifier", requestHeaderModifier: headerMod() })),
          backendRefs: [backend()],
        },
      ],
    },
  });
  docs.push({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "ing", namespace: ns },
    spec: {
      ingressClassName: "edgegate",
      rules: [
        {
          host: pick(HOSTS),
          http: {
            paths: Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
              const t = pick(["Exact", "Prefix", "ImplementationSpecific"]);
              return {
                path: t === "ImplementationSpecific" ? pick(REGEXES) : pick(PATHS),
                pathType: t,
                backend: { service: { name: pick(["a", "b"]), port: { number: 80 } } },
              };
            }),
          },
        },
      ],
    },
  });
  return [{ file: `generated-${seed}.yaml`, text: docs.map((d) => JSON.stringify(d)).join("\n---\n") + "\n" }];
}
