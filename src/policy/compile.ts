// Pure: GatewayNetworkPolicies + the steering targets the IR exposes -> the datapath's
// ListenerPolicy and EgressAllow entries. Ingress rules land on every address:port of the targeted
// Gateway (or listener). Egress allows widen what Envoy may reach, whatever Gateway they target,
// because one Envoy serves every Gateway of the node.
import type { EgressAllow, ListenerPolicy, SteeringTarget } from "../ir/datapath.ts";
import type { GatewayNetworkPolicy, PolicyTargetRef } from "./types.ts";

export interface CompiledPolicies {
  policies: ListenerPolicy[];
  egress: EgressAllow[];
  /** targetRefs that match no exposed listener: for the policy's status (TargetNotFound). */
  unresolved: Array<{ policy: string; ref: PolicyTargetRef }>;
}

export function compilePolicies(policies: readonly GatewayNetworkPolicy[], targets: readonly SteeringTarget[]): CompiledPolicies {
  const out: CompiledPolicies = { policies: [], egress: [], unresolved: [] };
  const sorted = [...policies].sort((a, b) => key(a).localeCompare(key(b)));
  for (const p of sorted) {
    const name = key(p);
    const ns = p.metadata.namespace;
    const allow = p.spec.ingress?.allow ?? [];
    const deny = p.spec.ingress?.deny ?? [];
    if (p.spec.ingress && (allow.length > 0 || deny.length > 0)) {
      const rules = [...allow.map((cidr) => ({ cidr, action: "allow" as const })), ...deny.map((cidr) => ({ cidr, action: "deny" as const }))];
      const seen = new Set<string>();
      for (const ref of p.spec.targetRefs) {
        const hits = targets.filter((t) => t.gateway === `${ns}/${ref.name}` && (ref.sectionName === undefined || t.listener === ref.sectionName));
        if (hits.length === 0) out.unresolved.push({ policy: name, ref });
        for (const t of hits) {
          const k = `${t.address}|${t.port}|${t.protocol ?? "TCP"}`;
          if (seen.has(k)) continue;
          seen.add(k);
          const protocol = t.protocol === "UDP" ? { protocol: t.protocol } : {};
          out.policies.push({ port: t.port, ...protocol, address: t.address, rules, defaultAction: allow.length > 0 ? "deny" : "allow", policy: name });
        }
      }
    }
    for (const a of p.spec.egress?.allow ?? []) {
      if (!a.ports || a.ports.length === 0) out.egress.push({ cidr: a.cidr, reason: name });
      else for (const port of a.ports) out.egress.push({ cidr: a.cidr, port, reason: name });
    }
  }
  return out;
}

function key(p: GatewayNetworkPolicy): string {
  return `${p.metadata.namespace}/${p.metadata.name}`;
}
