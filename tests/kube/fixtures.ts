// Objects the Kubernetes-mode tests create in the API server: a GatewayClass for edgegate, a
// Gateway, HTTPRoutes and their backend Service + EndpointSlice (nothing in minikas creates
// EndpointSlices, so the tests do what the endpoint controller would).
import type { Obj } from "../../src/yaml/value.ts";

export const controllerName = "edgegate.io/gateway-controller";
const gw = "gateway.networking.k8s.io/v1";

export function gatewayClass(name = "edgegate"): Obj {
  return { apiVersion: gw, kind: "GatewayClass", metadata: { name }, spec: { controllerName } };
}

export function gateway(name = "web", ns = "default", port = 8080): Obj {
  return {
    apiVersion: gw,
    kind: "Gateway",
    metadata: { name, namespace: ns },
    spec: { gatewayClassName: "edgegate", listeners: [{ name: "http", port, protocol: "HTTP", allowedRoutes: { namespaces: { from: "Same" } } }] },
  };
}

export function httpRoute(name: string, ns = "default", opts: { path?: string; host?: string; backend?: string } = {}): Obj {
  return {
    apiVersion: gw,
    kind: "HTTPRoute",
    metadata: { name, namespace: ns },
    spec: {
      parentRefs: [{ name: "web" }],
      ...(opts.host ? { hostnames: [opts.host] } : {}),
      rules: [{ matches: [{ path: { type: "PathPrefix", value: opts.path ?? `/${name}` } }], backendRefs: [{ name: opts.backend ?? "app", port: 80 }] }],
    },
  };
}

export function service(name = "app", ns = "default"): Obj {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: ns },
    spec: { ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] },
  };
}

export function endpointSlice(service = "app", ns = "default", ips = ["10.0.0.1"]): Obj {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${service}-1`, namespace: ns, labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4",
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  };
}

export function node(name: string, labels: Record<string, string>, ip = "192.0.2.10"): Obj {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels }, status: { addresses: [{ type: "InternalIP", address: ip }] } };
}
