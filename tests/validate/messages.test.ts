// Every invalid input gets one exact message: FILE:LINE: Kind namespace/name: field.path: message.
// Each case is a small YAML file written to a temporary folder and checked through the same code
// path as `edgegate validate` (load, validate, translate for references).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepare } from "../../src/cli/inputs.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { formatProblem } from "../../src/validate/problems.ts";

const dir = mkdtempSync(join(tmpdir(), "edgegate-validate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function problems(name: string, yaml: string): Promise<string[]> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return (await prepare([file], defaultConfig("test-node"))).problems.map((p) => formatProblem(p).replaceAll(`${dir}/`, ""));
}

const cases: Array<{ name: string; yaml: string; expect: string[] }> = [
  {
    name: "malformed-yaml",
    yaml: "apiVersion: v1\nkind: Service\nmetadata: {name: a\n",
    expect: ["malformed-yaml.yaml:4: yaml: Flow map in block collection must be sufficiently indented and end with a } (line 4, column 1)"],
  },
  {
    name: "unknown-kind",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoutee\nmetadata: {name: a}\nspec: {}\n",
    expect: ['unknown-kind.yaml:2: HTTPRoutee a: kind: unknown kind "HTTPRoutee" in gateway.networking.k8s.io/v1 (did you mean HTTPRoute?)'],
  },
  {
    name: "wrong-apiversion",
    yaml: "apiVersion: gateway.networking.k8s.io/v2\nkind: Gateway\nmetadata: {name: a}\nspec: {gatewayClassName: x, listeners: [{name: h, port: 80, protocol: HTTP}]}\n",
    expect: [
      "wrong-apiversion.yaml:1: Gateway default/a: apiVersion: Gateway is served as gateway.networking.k8s.io/v1 or gateway.networking.k8s.io/v1beta1, not gateway.networking.k8s.io/v2",
    ],
  },
  {
    name: "ingress-wrong-group",
    yaml: "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: a}\nspec: {}\n",
    expect: ["ingress-wrong-group.yaml:1: Ingress default/a: apiVersion: Ingress is served as networking.k8s.io/v1, not extensions/v1beta1"],
  },
  {
    name: "missing-apiversion",
    yaml: "kind: Service\nmetadata: {name: a}\n",
    expect: ["missing-apiversion.yaml:1: Service default/a: apiVersion: is required"],
  },
  {
    name: "missing-name",
    yaml: "apiVersion: v1\nkind: Service\nmetadata: {namespace: x}\nspec: {ports: [{port: 80}]}\n",
    expect: ["missing-name.yaml:3: metadata.name: is required"],
  },
  {
    name: "bad-name",
    yaml: "apiVersion: v1\nkind: Service\nmetadata: {name: Bad_Name}\nspec: {ports: [{port: 80}]}\n",
    expect: ['bad-name.yaml:3: Service default/Bad_Name: metadata.name: "Bad_Name" is not a valid object name (lower case RFC 1123 subdomain)'],
  },
  {
    name: "not-an-object",
    yaml: "- a\n- b\n",
    expect: ["not-an-object.yaml:1: a document must be a Kubernetes object with apiVersion, kind and metadata (got a list)"],
  },
  {
    name: "gateway-no-listeners",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n",
    expect: ["gateway-no-listeners.yaml:4: Gateway default/g: spec.listeners: is required"],
  },
  {
    name: "gateway-bad-port",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  listeners:\n  - name: http\n    protocol: HTTP\n    port: 70000\n",
    expect: ["gateway-bad-port.yaml:9: Gateway default/g: spec.listeners[0].port: must be between 1 and 65535 (got 70000)"],
  },
  {
    name: "gateway-port-string",
    yaml: 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  listeners:\n  - name: http\n    protocol: HTTP\n    port: "80"\n',
    expect: ['gateway-port-string.yaml:9: Gateway default/g: spec.listeners[0].port: must be an integer (got "80")'],
  },
  {
    name: "gateway-bad-hostname",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  listeners:\n  - name: http\n    protocol: HTTP\n    port: 80\n    hostname: Foo.example.com\n",
    expect: [
      'gateway-bad-hostname.yaml:10: Gateway default/g: spec.listeners[0].hostname: "Foo.example.com" is not a valid hostname (lower case RFC 1123, optionally starting with *.)',
    ],
  },
  {
    name: "gateway-duplicate-listener-names",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  listeners:\n  - {name: web, protocol: HTTP, port: 80}\n  - {name: web, protocol: HTTP, port: 8080}\n",
    expect: [
      'gateway-duplicate-listener-names.yaml:8: Gateway default/g: spec.listeners[1].name: listener name "web" is already used by spec.listeners[0]; listener names must be unique within a Gateway',
    ],
  },
  {
    name: "gateway-conflicting-listeners",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  listeners:\n  - {name: a, protocol: HTTP, port: 80, hostname: foo.example.com}\n  - {name: b, protocol: HTTP, port: 80, hostname: foo.example.com}\n",
    expect: [
      "gateway-conflicting-listeners.yaml:8: Gateway default/g: spec.listeners[1]: conflicts with spec.listeners[0]: port, protocol and hostname must be unique for each listener",
    ],
  },
  {
    name: "gateway-https-without-tls",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  listeners:\n  - {name: a, protocol: HTTPS, port: 443}\n",
    expect: ["gateway-https-without-tls.yaml:7: Gateway default/g: spec.listeners[0].tls: is required when protocol is HTTPS"],
  },
  {
    name: "gateway-bad-address",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  addresses: [{type: IPAddress, value: 10.0.0.300}]\n  listeners:\n  - {name: a, protocol: HTTP, port: 80}\n",
    expect: ['gateway-bad-address.yaml:6: Gateway default/g: spec.addresses[0].value: "10.0.0.300" is not a valid IP address'],
  },
  {
    name: "gateway-unknown-field",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  listener:\n  - {name: a, protocol: HTTP, port: 80}\n",
    expect: [
      'gateway-unknown-field.yaml:6: Gateway default/g: spec.listener: unknown field (did you mean "listeners"?)',
      "gateway-unknown-field.yaml:4: Gateway default/g: spec.listeners: is required",
    ],
  },
  {
    name: "gatewayclass-bad-controller",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec:\n  controllerName: edgegate\n",
    expect: [
      'gatewayclass-bad-controller.yaml:5: GatewayClass c: spec.controllerName: "edgegate" is not a domain-prefixed path (e.g. example.com/gateway-controller)',
    ],
  },
  {
    name: "route-bad-hostname",
    yaml: 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  hostnames: ["*.*.example.com"]\n',
    expect: [
      'route-bad-hostname.yaml:5: HTTPRoute default/r: spec.hostnames[0]: "*.*.example.com" is not a valid hostname (lower case RFC 1123, optionally starting with *.)',
    ],
  },
  {
    name: "route-bad-path",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches:\n    - path: {type: PathPrefix, value: api}\n",
    expect: [
      "route-bad-path.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.value: must be an absolute path starting with '/' when type is PathPrefix (got \"api\")",
    ],
  },
  {
    name: "route-bad-path-type",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches:\n    - path: {type: Prefix, value: /api}\n",
    expect: [
      'route-bad-path-type.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.type: must be one of Exact, PathPrefix, RegularExpression (got "Prefix")',
    ],
  },
  {
    name: "route-bad-regex",
    yaml: 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches:\n    - path: {type: RegularExpression, value: "/(a"}\n',
    expect: ["route-bad-regex.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.value: invalid regular expression: missing ): /(a"],
  },
  {
    name: "route-lookahead-regex",
    yaml: 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches:\n    - headers: [{type: RegularExpression, name: x-a, value: "(?=a)b"}]\n',
    expect: [
      "route-lookahead-regex.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].headers[0].value: invalid regular expression: invalid perl operator: (?=",
    ],
  },
  {
    name: "route-unknown-filter",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - filters:\n    - type: RequestHeaderRewriter\n",
    expect: [
      'route-unknown-filter.yaml:7: HTTPRoute default/r: spec.rules[0].filters[0].type: unknown filter type "RequestHeaderRewriter" (supported: RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, RequestRedirect, URLRewrite, ExtensionRef, CORS)',
    ],
  },
  {
    name: "route-filter-field-mismatch",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - filters:\n    - type: RequestHeaderModifier\n      responseHeaderModifier: {set: [{name: a, value: b}]}\n",
    expect: [
      "route-filter-field-mismatch.yaml:8: HTTPRoute default/r: spec.rules[0].filters[0].responseHeaderModifier: must not be set when type is RequestHeaderModifier",
      "route-filter-field-mismatch.yaml:7: HTTPRoute default/r: spec.rules[0].filters[0].requestHeaderModifier: is required",
    ],
  },
  {
    name: "route-redirect-and-rewrite",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - filters:\n    - type: RequestRedirect\n      requestRedirect: {scheme: https}\n    - type: URLRewrite\n      urlRewrite: {hostname: a.example.com}\n",
    expect: ["route-redirect-and-rewrite.yaml:6: HTTPRoute default/r: spec.rules[0].filters: RequestRedirect and URLRewrite filters cannot be used together"],
  },
  {
    name: "route-bad-redirect-code",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - filters:\n    - type: RequestRedirect\n      requestRedirect: {statusCode: 305}\n",
    expect: [
      "route-bad-redirect-code.yaml:8: HTTPRoute default/r: spec.rules[0].filters[0].requestRedirect.statusCode: must be one of 301, 302, 303, 307, 308 (got 305)",
    ],
  },
  {
    name: "route-bad-method",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches: [{method: FETCH}]\n",
    expect: [
      'route-bad-method.yaml:6: HTTPRoute default/r: spec.rules[0].matches[0].method: must be one of GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH (got "FETCH")',
    ],
  },
  {
    name: "route-bad-header-name",
    yaml: 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches: [{headers: [{name: "x a", value: b}]}]\n',
    expect: ['route-bad-header-name.yaml:6: HTTPRoute default/r: spec.rules[0].matches[0].headers[0].name: "x a" is not a valid HTTP header name'],
  },
  {
    name: "route-weight-range",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - backendRefs: [{name: s, port: 80, weight: -1}]\n",
    expect: ["route-weight-range.yaml:6: HTTPRoute default/r: spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000 (got -1)"],
  },
  {
    name: "route-backend-missing-port",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - backendRefs: [{name: s}]\n",
    expect: ["route-backend-missing-port.yaml:6: HTTPRoute default/r: spec.rules[0].backendRefs[0].port: is required for a Service reference"],
  },
  {
    name: "route-timeouts",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - timeouts: {request: 1s, backendRequest: 2s}\n",
    expect: ["route-timeouts.yaml:6: HTTPRoute default/r: spec.rules[0].timeouts.backendRequest: backendRequest timeout cannot be longer than request timeout"],
  },
  {
    name: "route-bad-duration",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - timeouts: {request: 1.5s}\n",
    expect: [
      'route-bad-duration.yaml:6: HTTPRoute default/r: spec.rules[0].timeouts.request: "1.5s" is not a valid Gateway API duration (e.g. 10s, 1m30s, 500ms)',
    ],
  },
  {
    name: "route-duplicate-rule-names",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - name: a\n  - name: a\n",
    expect: ['route-duplicate-rule-names.yaml:7: HTTPRoute default/r: spec.rules[1].name: rule name "a" is already used by spec.rules[0]'],
  },
  {
    name: "grpcroute-bad-service",
    yaml: 'apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches: [{method: {service: "foo bar", method: Get}}]\n',
    expect: ['grpcroute-bad-service.yaml:6: GRPCRoute default/r: spec.rules[0].matches[0].method.service: "foo bar" is not a valid gRPC service name'],
  },
  {
    name: "grpcroute-empty-method",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches: [{method: {type: Exact}}]\n",
    expect: ["grpcroute-empty-method.yaml:6: GRPCRoute default/r: spec.rules[0].matches[0].method: one or both of service and method must be specified"],
  },
  {
    name: "tlsroute-no-rules",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: TLSRoute\nmetadata: {name: r}\nspec:\n  hostnames: [a.example.com]\n",
    expect: ["tlsroute-no-rules.yaml:4: TLSRoute default/r: spec.rules: is required"],
  },
  {
    name: "referencegrant-missing-from",
    yaml: 'apiVersion: gateway.networking.k8s.io/v1\nkind: ReferenceGrant\nmetadata: {name: g}\nspec:\n  to: [{group: "", kind: Service}]\n',
    expect: ["referencegrant-missing-from.yaml:4: ReferenceGrant default/g: spec.from: is required"],
  },
  {
    name: "ingress-bad-pathtype",
    yaml: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n  - host: a.example.com\n    http:\n      paths:\n      - path: /a\n        pathType: Regex\n        backend: {service: {name: s, port: {number: 80}}}\n",
    expect: [
      'ingress-bad-pathtype.yaml:10: Ingress default/i: spec.rules[0].http.paths[0].pathType: must be one of Exact, Prefix, ImplementationSpecific (got "Regex")',
    ],
  },
  {
    name: "ingress-port-both",
    yaml: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  defaultBackend: {service: {name: s, port: {number: 80, name: http}}}\n",
    expect: ["ingress-port-both.yaml:5: Ingress default/i: spec.defaultBackend.service.port: cannot set both number and name"],
  },
  {
    name: "tls-secret-missing-key",
    yaml: "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {name: s}\nstringData: {tls.crt: x}\n",
    expect: ["tls-secret-missing-key.yaml:1: Secret default/s: data.tls.key: is required for a Secret of type kubernetes.io/tls"],
  },
  {
    name: "service-bad-endpoints",
    yaml: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations: {edgegate.io/endpoints: "10.0.0.1:99999, not_a_host"}\nspec: {ports: [{port: 80}]}\n',
    expect: [
      'service-bad-endpoints.yaml:5: Service default/s: metadata.annotations.edgegate.io/endpoints: endpoint "10.0.0.1:99999": the port must be a number from 1 to 65535',
      'service-bad-endpoints.yaml:5: Service default/s: metadata.annotations.edgegate.io/endpoints: endpoint "not_a_host" is not an IP address, IP:port, [IPv6]:port, or a DNS name',
    ],
  },
  {
    name: "label-not-string",
    yaml: "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels: {enabled: true}\nspec: {ports: [{port: 80}]}\n",
    expect: ['label-not-string.yaml:5: Service default/s: metadata.labels.enabled: must be a string (quote it: "true")'],
  },
  {
    name: "backend-missing-service",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edgegate}\nspec: {controllerName: edgegate.io/gateway-controller}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  listeners: [{name: http, protocol: HTTP, port: 80}]\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  parentRefs: [{name: g}]\n  rules:\n  - backendRefs:\n    - name: nothere\n      port: 80\n",
    expect: ["backend-missing-service.yaml:20: HTTPRoute default/r: spec.rules[0].backendRefs[0]: Service default/nothere not found"],
  },
  {
    name: "cross-namespace-without-grant",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edgegate}\nspec: {controllerName: edgegate.io/gateway-controller}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  listeners: [{name: http, protocol: HTTP, port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: other}\nspec: {ports: [{port: 80}]}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  parentRefs: [{name: g}]\n  rules:\n  - backendRefs:\n    - name: s\n      namespace: other\n      port: 80\n",
    expect: [
      "cross-namespace-without-grant.yaml:25: HTTPRoute default/r: spec.rules[0].backendRefs[0]: Service other/s is in another namespace and no ReferenceGrant in other allows HTTPRoutes from default",
    ],
  },
  {
    name: "duplicate-object",
    yaml: "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 81}]}\n",
    expect: ["duplicate-object.yaml:6: Service default/s: defined again (first defined at duplicate-object.yaml:1); this copy is ignored"],
  },
  {
    name: "backend-kind-unsupported",
    yaml: "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edgegate}\nspec: {controllerName: edgegate.io/gateway-controller}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: edgegate\n  listeners: [{name: http, protocol: HTTP, port: 80}]\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  parentRefs: [{name: g}]\n  rules:\n  - backendRefs:\n    - {group: example.com, kind: Bucket, name: b}\n",
    expect: [
      "backend-kind-unsupported.yaml:20: HTTPRoute default/r: spec.rules[0].backendRefs[0]: backendRef kind example.com/Bucket is not supported (only core Service)",
    ],
  },
];

describe("validation messages", () => {
  test("covers at least 30 distinct invalid inputs", () => {
    expect(new Set(cases.map((c) => c.name)).size).toBeGreaterThanOrEqual(30);
  });
  for (const c of cases) {
    test(c.name, async () => {
      expect(await problems(c.name, c.yaml)).toEqual(c.expect);
    });
  }
  test("a valid file has no problems", async () => {
    const yaml =
      cases.find((c) => c.name === "backend-missing-service")!.yaml.replace("nothere", "svc") +
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {ports: [{port: 80}]}\n";
    expect(await problems("valid", yaml)).toEqual([]);
  });
});
