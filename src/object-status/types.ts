// Status as the Gateway API and Kubernetes write it. Computed purely by translate/; the Kubernetes
// source writes it back, file mode shows it in /status and `render --status`.
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration?: number;
}

export interface RouteParentStatus {
  parentRef: { group?: string; kind?: string; namespace?: string; name: string; sectionName?: string; port?: number };
  controllerName: string;
  conditions: Condition[];
}

export interface PolicyAncestorStatus {
  ancestorRef: { group: string; kind: string; namespace: string; name: string; sectionName?: string };
  controllerName: string;
  conditions: Condition[];
}

export interface ListenerStatus {
  name: string;
  supportedKinds: Array<{ group: string; kind: string }>;
  attachedRoutes: number;
  conditions: Condition[];
}

export type ObjectStatus =
  | { kind: "GatewayClass"; name: string; status: { conditions: Condition[]; supportedFeatures?: Array<{ name: string }> } }
  | {
      kind: "Gateway";
      namespace: string;
      name: string;
      /** attachedListenerSets: ListenerSets accepted by this Gateway (GEP-1713); set when the Gateway allows any. */
      status: { addresses: Array<{ type: string; value: string }>; conditions: Condition[]; listeners: ListenerStatus[]; attachedListenerSets?: number };
    }
  | {
      kind: "ListenerSet";
      namespace: string;
      name: string;
      // `parents` stays empty, as for BackendTLSPolicy: readers that treat unknown kinds as routes
      // (src/run/status-board.ts) keep working until they learn this kind.
      status: { conditions: Condition[]; listeners: ListenerStatus[]; parents: RouteParentStatus[] };
    }
  | { kind: "HTTPRoute" | "GRPCRoute" | "TLSRoute" | "TCPRoute" | "UDPRoute"; namespace: string; name: string; status: { parents: RouteParentStatus[] } }
  | {
      kind: "BackendTLSPolicy" | "GatewayNetworkPolicy";
      namespace: string;
      name: string;
      // `parents` stays empty: policies report ancestors. It is there so readers that treat every
      // non-Gateway entry as a route (src/run/status-board.ts) keep working until they learn this kind.
      status: { ancestors: PolicyAncestorStatus[]; parents: RouteParentStatus[] };
    }
  | { kind: "Ingress"; namespace: string; name: string; status: { loadBalancer: { ingress: Array<{ ip?: string; hostname?: string }> } } };

export function condition(type: string, ok: boolean, reason: string, message: string, generation?: number): Condition {
  return { type, status: ok ? "True" : "False", reason, message, observedGeneration: generation };
}

/** Problems found while translating that `validate` reports (unresolvable references and the like). */
export interface TranslateProblem {
  /** Store key of the object at fault. */
  key: string;
  path: ReadonlyArray<string | number>;
  message: string;
}
