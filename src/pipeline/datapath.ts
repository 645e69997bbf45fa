// The datapath intent of a compiled configuration: steering from the IR, world -> gateway policy
// from GatewayNetworkPolicy objects, and gateway -> backend egress from the endpoints routes use.
import type { DatapathIntent, EgressAllow, SteeringTarget } from "../ir/datapath.ts";
import type { Ir } from "../ir/types.ts";
import type { StoredObject } from "../store/types.ts";
import { compilePolicies } from "../datapath/policy/compile.ts";
import { POLICY_KIND, type GatewayNetworkPolicy } from "../datapath/policy/types.ts";
import { isIPv6 } from "../net/ip.ts";
import type { ApplianceConfig } from "../config/types.ts";

// The IR names a steering target's listeners by origin ("ns/gateway/listener[,…]"); policies
// target a listener by its sectionName, so each origin becomes a target of its own.
function perListener(targets: readonly SteeringTarget[]): SteeringTarget[] {
  return targets.flatMap((t) => t.listener.split(",").map((o) => ({ ...t, listener: o.split("/").pop() ?? o })));
}

// NodePort exposure: clients connect to the node port, Envoy listens on the Gateway listener's
// port; the datapath steers one to the other (keeping the client address, unlike kube-proxy's DNAT).
function viaNodePorts(targets: readonly SteeringTarget[], exposure: ApplianceConfig["exposure"] | undefined): SteeringTarget[] {
  if (!exposure || exposure.mode !== "nodePort") return [...targets];
  return targets.flatMap((t) => {
    const nodePort = exposure.nodePorts[String(t.port)];
    return nodePort === undefined ? [] : [{ ...t, port: nodePort, envoyPort: t.envoyPort }];
  });
}

export function datapathIntent(ir: Ir, objects: readonly StoredObject[], exposure?: ApplianceConfig["exposure"]): { intent: DatapathIntent; unresolved: string[] } {
  const steering = viaNodePorts(perListener(ir.datapath.steering), exposure);
  const policies = objects.filter((o) => o.object.kind === POLICY_KIND).map((o) => o.object as unknown as GatewayNetworkPolicy);
  const compiled = compilePolicies(policies, steering);
  const backends: EgressAllow[] = [];
  for (const c of ir.clusters) {
    for (const e of c.endpoints) backends.push({ cidr: `${e.address}/${isIPv6(e.address) ? 128 : 32}`, port: e.port, reason: `cluster ${c.name}` });
  }
  return {
    intent: { steering, policies: compiled.policies, egress: [...backends, ...compiled.egress] },
    unresolved: compiled.unresolved.map((u) => `${u.policy}: targetRef ${u.ref.kind} ${u.ref.name}${u.ref.sectionName ? `/${u.ref.sectionName}` : ""} matches no exposed listener`),
  };
}
