// The API resources edgegate lists and watches, and how their URLs are built. The versions are
// the ones the validator accepts (src/validate/object.ts); the first served one is used.
export interface ResourceType {
  group: string;
  /** Versions to try, preferred first: a cluster may serve only an older one (TLSRoute v1alpha2). */
  versions: readonly string[];
  plural: string;
  kind: string;
  namespaced: boolean;
  /** A CustomResourceDefinition that may not be installed: reported and retried, not fatal. */
  optional: boolean;
  /** Has a /status subresource edgegate writes. */
  status: boolean;
}

const gw = "gateway.networking.k8s.io";

export const watchedTypes: readonly ResourceType[] = [
  { group: gw, versions: ["v1"], plural: "gatewayclasses", kind: "GatewayClass", namespaced: false, optional: true, status: true },
  { group: gw, versions: ["v1"], plural: "gateways", kind: "Gateway", namespaced: true, optional: true, status: true },
  { group: gw, versions: ["v1"], plural: "httproutes", kind: "HTTPRoute", namespaced: true, optional: true, status: true },
  { group: gw, versions: ["v1"], plural: "listenersets", kind: "ListenerSet", namespaced: true, optional: true, status: true },
  { group: gw, versions: ["v1"], plural: "grpcroutes", kind: "GRPCRoute", namespaced: true, optional: true, status: true },
  { group: gw, versions: ["v1", "v1alpha3", "v1alpha2"], plural: "tlsroutes", kind: "TLSRoute", namespaced: true, optional: true, status: true },
  { group: gw, versions: ["v1", "v1alpha2"], plural: "tcproutes", kind: "TCPRoute", namespaced: true, optional: true, status: true },
  { group: gw, versions: ["v1", "v1alpha2"], plural: "udproutes", kind: "UDPRoute", namespaced: true, optional: true, status: true },
  { group: gw, versions: ["v1", "v1beta1"], plural: "referencegrants", kind: "ReferenceGrant", namespaced: true, optional: true, status: false },
  { group: gw, versions: ["v1", "v1alpha3"], plural: "backendtlspolicies", kind: "BackendTLSPolicy", namespaced: true, optional: true, status: true },
  // GatewayClass parameters (src/gateway/class-params.ts): edgegate's own and Cilium's.
  { group: "edgegate.io", versions: ["v1alpha1"], plural: "gatewayclassconfigs", kind: "GatewayClassConfig", namespaced: true, optional: true, status: false },
  {
    group: "cilium.io",
    versions: ["v2alpha1"],
    plural: "ciliumgatewayclassconfigs",
    kind: "CiliumGatewayClassConfig",
    namespaced: true,
    optional: true,
    status: false,
  },
  {
    group: "edgegate.io",
    versions: ["v1alpha1"],
    plural: "gatewaynetworkpolicies",
    kind: "GatewayNetworkPolicy",
    namespaced: true,
    optional: true,
    status: true,
  },
  { group: "networking.k8s.io", versions: ["v1"], plural: "ingresses", kind: "Ingress", namespaced: true, optional: false, status: true },
  { group: "networking.k8s.io", versions: ["v1"], plural: "ingressclasses", kind: "IngressClass", namespaced: false, optional: false, status: false },
  { group: "", versions: ["v1"], plural: "services", kind: "Service", namespaced: true, optional: false, status: false },
  { group: "discovery.k8s.io", versions: ["v1"], plural: "endpointslices", kind: "EndpointSlice", namespaced: true, optional: false, status: false },
  { group: "", versions: ["v1"], plural: "secrets", kind: "Secret", namespaced: true, optional: false, status: false },
  { group: "", versions: ["v1"], plural: "configmaps", kind: "ConfigMap", namespaced: true, optional: false, status: false },
  { group: "", versions: ["v1"], plural: "namespaces", kind: "Namespace", namespaced: false, optional: false, status: false },
];

export const nodeType: ResourceType = { group: "", versions: ["v1"], plural: "nodes", kind: "Node", namespaced: false, optional: false, status: false };
export const leaseType: ResourceType = {
  group: "coordination.k8s.io",
  versions: ["v1"],
  plural: "leases",
  kind: "Lease",
  namespaced: true,
  optional: false,
  status: false,
};

export function typeByKind(kind: string): ResourceType | undefined {
  return watchedTypes.find((t) => t.kind === kind);
}

export function apiVersionOf(t: ResourceType, version: string): string {
  return t.group ? `${t.group}/${version}` : version;
}

/** Collection URL (all namespaces) or, with namespace and name, one object's URL. */
export function resourcePath(t: ResourceType, version: string, namespace?: string, name?: string): string {
  const root = t.group ? `/apis/${t.group}/${version}` : `/api/${version}`;
  const ns = t.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${root}${ns}/${t.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ""}`;
}
