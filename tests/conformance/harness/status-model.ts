// The computed status as the harness reads it: the list compile() returns,
// `{ kind, namespace?, name, status }`, typed here with the Kubernetes field names the suite reads.
export interface ConditionJson {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface ParentRefJson {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface StatusEntry {
  kind: string;
  namespace?: string;
  name: string;
  status: {
    conditions?: ConditionJson[];
    addresses?: { type?: string; value: string }[];
    listeners?: { name: string; attachedRoutes: number; supportedKinds?: { group?: string; kind: string }[]; conditions?: ConditionJson[] }[];
    parents?: { parentRef: ParentRefJson; controllerName: string; conditions?: ConditionJson[] }[];
    ancestors?: { ancestorRef: ParentRefJson; controllerName: string; conditions?: ConditionJson[] }[];
    attachedListenerSets?: number;
  };
}

export function findEntry(status: readonly StatusEntry[], kind: string, namespace: string | undefined, name: string): StatusEntry | undefined {
  return status.find((s) => s.kind === kind && s.name === name && (kind === "GatewayClass" || (s.namespace ?? "") === (namespace ?? "")));
}
