// Pure validator of GatewayNetworkPolicy; problems go through the Reporter with field paths, like
// every other kind (`FILE:LINE: GatewayNetworkPolicy ns/name: spec.ingress.allow[2]: ...`).
import type { Reporter } from "../validate/problems.ts";
import { known, list, obj, objItems, str } from "../validate/fields.ts";
import type { Obj } from "../yaml/value.ts";
import { formatCidr, parseCidr } from "../net/ip.ts";
import type { FieldPath } from "../yaml/documents.ts";
import type { DescMessage } from "@bufbuild/protobuf";
import {
  GatewayNetworkPolicySpec_EgressRuleSchema,
  GatewayNetworkPolicySpec_EgressSchema,
  GatewayNetworkPolicySpec_IngressSchema,
  GatewayNetworkPolicySpecSchema,
  PolicyTargetRefSchema,
} from "../gen/edgegate/policy/v1alpha1/gateway_network_policy_pb.ts";

// The fields each object may have are the proto's (proto/edgegate/policy/v1alpha1), by their JSON
// names: the validator cannot accept a field the schema does not define, or miss one it adds.
const fieldsOf = (m: DescMessage): readonly string[] => m.fields.map((f) => f.jsonName);
const SPEC_FIELDS = fieldsOf(GatewayNetworkPolicySpecSchema);
const TARGET_REF_FIELDS = fieldsOf(PolicyTargetRefSchema);
const INGRESS_FIELDS = fieldsOf(GatewayNetworkPolicySpec_IngressSchema);
const EGRESS_FIELDS = fieldsOf(GatewayNetworkPolicySpec_EgressSchema);
const EGRESS_RULE_FIELDS = fieldsOf(GatewayNetworkPolicySpec_EgressRuleSchema);

const MAX_CIDRS = 16384;

function cidrList(r: Reporter, parent: Obj, key: string, path: FieldPath, seen: Map<string, string>): void {
  const items = list(r, parent, key, path, { max: MAX_CIDRS });
  items?.forEach((v, i) => {
    const p = [...path, key, i];
    if (typeof v !== "string") {
      r.error(p, `must be a CIDR string such as "10.0.0.0/8" or "2001:db8::/32" (got ${JSON.stringify(v)})`);
      return;
    }
    const c = parseCidr(v);
    if (!c) {
      r.error(p, `${JSON.stringify(v)} is not an IPv4 or IPv6 address or CIDR`);
      return;
    }
    if (c.hostBits) {
      r.error(p, `${JSON.stringify(v)} has bits set past the /${c.bits} prefix (did you mean ${formatCidr(c)}?)`);
      return;
    }
    const canon = formatCidr(c);
    const prev = seen.get(canon);
    if (prev !== undefined) r.error(p, `${canon} is already listed in ${prev}`);
    else seen.set(canon, `${path.join(".")}.${key}`);
  });
}

export function validateGatewayNetworkPolicy(o: Record<string, unknown>, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = ["spec"];
  known(r, spec, sp, SPEC_FIELDS);
  const refs = objItems(r, list(r, spec, "targetRefs", sp, { required: true, min: 1, max: 16 }), [...sp, "targetRefs"]);
  const seenRefs = new Set<string>();
  for (const [ref, rp] of refs) {
    known(r, ref, rp, TARGET_REF_FIELDS);
    str(r, ref, "group", rp, { required: true, oneOf: ["gateway.networking.k8s.io"] });
    str(r, ref, "kind", rp, { required: true, oneOf: ["Gateway"] });
    const name = str(r, ref, "name", rp, { required: true, min: 1, max: 253 });
    const section = str(r, ref, "sectionName", rp, { min: 1, max: 253, pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, patternName: "a valid listener name" });
    const k = `${name}/${section ?? ""}`;
    if (seenRefs.has(k)) r.error(rp, `targets ${name}${section ? `/${section}` : ""} more than once`);
    seenRefs.add(k);
  }
  const ingress = obj(r, spec, "ingress", sp);
  const egress = obj(r, spec, "egress", sp);
  if (!ingress && !egress) r.error(sp, "needs ingress or egress (or both)");
  if (ingress) {
    const ip = [...sp, "ingress"];
    known(r, ingress, ip, INGRESS_FIELDS);
    const seen = new Map<string, string>();
    cidrList(r, ingress, "allow", ip, seen);
    cidrList(r, ingress, "deny", ip, seen);
  }
  if (egress) {
    const ep = [...sp, "egress"];
    known(r, egress, ep, EGRESS_FIELDS);
    for (const [a, ap] of objItems(r, list(r, egress, "allow", ep, { max: 4096 }), [...ep, "allow"])) {
      known(r, a, ap, EGRESS_RULE_FIELDS);
      const cidr = str(r, a, "cidr", ap, { required: true });
      if (cidr !== undefined) {
        const c = parseCidr(cidr);
        if (!c) r.error([...ap, "cidr"], `${JSON.stringify(cidr)} is not an IPv4 or IPv6 address or CIDR`);
        else if (c.hostBits) r.error([...ap, "cidr"], `${JSON.stringify(cidr)} has bits set past the /${c.bits} prefix (did you mean ${formatCidr(c)}?)`);
      }
      list(r, a, "ports", ap, { min: 1, max: 64 })?.forEach((p, i) => {
        if (typeof p !== "number" || !Number.isInteger(p) || p < 1 || p > 65535)
          r.error([...ap, "ports", i], `must be a port number between 1 and 65535 (got ${JSON.stringify(p)})`);
      });
    }
  }
}
