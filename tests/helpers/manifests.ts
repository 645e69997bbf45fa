// Small Gateway API manifests that many tests start from.

/** The GatewayClass edgegate serves with its default controllerName. */
export const edgegateClass = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: edgegate}
spec: {controllerName: edgegate.io/gateway-controller}
`;

/** A Gateway of that class; `extra` is more YAML under spec (indented by two spaces). */
export function gateway(o: { name: string; namespace: string; listeners: string; annotations?: string; extra?: string }): string {
  const ann = o.annotations ? `, annotations: ${o.annotations}` : "";
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${o.name}, namespace: ${o.namespace}${ann}}
spec:
  gatewayClassName: edgegate
${o.extra ?? ""}  listeners: ${o.listeners}
`;
}
