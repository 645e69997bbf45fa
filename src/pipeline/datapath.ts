// The datapath intent of a compiled configuration: steering from the IR, world -> gateway policy
// from GatewayNetworkPolicy objects, and gateway -> backend egress from the endpoints routes use.
import type { DatapathIntent, EgressAllow, SteeringTarget } from "../ir/datapath.ts";
import type { Ir } from "../ir/types.ts";
import type { StoredObject } from "../store/types.ts";
import { compilePolicies } from "../policy/compile.ts";
import { POLICY_KIND } from "../policy/types.ts";
import { ofKind } from "../store/known.ts";
import { isIPv6 } from "../net/ip.ts";

/** Annotation on a Gateway: steer a port range to one of its listeners (sk_lookup mode). */
export const PortRangeAnnotation = "edgegate.io/port-ranges";

// `edgegate.io/port-ranges: "tls=10000-10099, game=20000-20010"`: the listener named before "="
// also takes new connections to every port of the range on the same addresses; Envoy sees the
// original destination port. The Gateway API has no port ranges, so this is edgegate's knob.
function portRanges(targets: readonly SteeringTarget[], objects: readonly StoredObject[], problems: string[]): SteeringTarget[] {
  const out: SteeringTarget[] = [];
  for (const o of objects) {
    const spec = o.object.metadata.annotations?.[PortRangeAnnotation];
    if (o.object.kind !== "Gateway" || spec === undefined) continue;
    const gw = `${o.ref.namespace}/${o.ref.name}`;
    for (const part of spec
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "")) {
      const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)=(\d{1,5})-(\d{1,5})$/.exec(part);
      const [start, end] = m ? [Number(m[3]), Number(m[4])] : [0, 0];
      if (!m || start < 1 || end > 65535 || start > end) {
        problems.push(`Gateway ${gw}: annotation ${PortRangeAnnotation}: ${JSON.stringify(part)} is not LISTENER=FIRST-LAST with ports 1-65535`);
        continue;
      }
      const hits = targets.filter((t) => t.gateway === gw && t.listener === m[1]);
      if (hits.length === 0) problems.push(`Gateway ${gw}: annotation ${PortRangeAnnotation}: listener ${m[1]} is not exposed`);
      for (const t of hits) out.push({ ...t, port: start, portEnd: end });
    }
  }
  return out;
}

export function datapathIntent(ir: Ir, objects: readonly StoredObject[]): { intent: DatapathIntent; unresolved: string[] } {
  const problems: string[] = [];
  // translate steers only what clients may reach (node ports only, in nodePort exposure)
  const listeners = ir.datapath.steering;
  const steering = [...listeners, ...portRanges(listeners, objects, problems)];
  const policies = ofKind(objects, POLICY_KIND);
  const compiled = compilePolicies(policies, steering);
  const backends: EgressAllow[] = [];
  for (const c of ir.clusters) {
    for (const e of c.endpoints) backends.push({ cidr: `${e.address}/${isIPv6(e.address) ? 128 : 32}`, port: e.port, reason: `cluster ${c.name}` });
  }
  return {
    intent: { steering, policies: compiled.policies, egress: [...backends, ...compiled.egress], mesh: ir.datapath.mesh },
    unresolved: [
      ...problems,
      ...compiled.unresolved.map(
        (u) => `${u.policy}: targetRef ${u.ref.kind} ${u.ref.name}${u.ref.sectionName ? `/${u.ref.sectionName}` : ""} matches no exposed listener`,
      ),
    ],
  };
}
