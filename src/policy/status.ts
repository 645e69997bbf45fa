// GatewayNetworkPolicy status, following Gateway API policy attachment: one ancestor entry per
// targeted Gateway this node's controller serves, Accepted when the Gateway (and the listener named
// by sectionName) exists. Pure: computed from the policies and the Gateways' computed status.
import { condition, type ObjectStatus, type PolicyAncestorStatus } from "../object-status/types.ts";
import type { GatewayNetworkPolicy } from "./types.ts";

export function policyStatus(policies: readonly GatewayNetworkPolicy[], status: readonly ObjectStatus[], controllerName: string): ObjectStatus[] {
  const gateways = new Map<string, Set<string>>();
  for (const s of status) if (s.kind === "Gateway") gateways.set(`${s.namespace}/${s.name}`, new Set(s.status.listeners.map((l) => l.name)));
  return policies.map((p) => {
    const ns = p.metadata.namespace;
    const g = p.metadata.generation;
    const ancestors: PolicyAncestorStatus[] = p.spec.targetRefs.map((ref) => {
      const listeners = gateways.get(`${ns}/${ref.name}`);
      const found = listeners !== undefined && (ref.sectionName === undefined || listeners.has(ref.sectionName));
      const what = `Gateway ${ns}/${ref.name}${ref.sectionName ? ` listener ${ref.sectionName}` : ""}`;
      return {
        ancestorRef: {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          namespace: ns,
          name: ref.name,
          ...(ref.sectionName ? { sectionName: ref.sectionName } : {}),
        },
        controllerName,
        conditions: [
          found
            ? condition("Accepted", true, "Accepted", `applies to ${what}`, g)
            : condition("Accepted", false, "TargetNotFound", `${what} is not served by this controller`, g),
        ],
      };
    });
    return { kind: "GatewayNetworkPolicy", namespace: ns, name: p.metadata.name, status: { ancestors, parents: [] } };
  });
}
