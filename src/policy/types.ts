// GatewayNetworkPolicy (edgegate.io/v1alpha1): who may connect to a Gateway's listeners (CIDR allow
// and deny lists, IPv4 and IPv6) and where Envoy may connect on the way out. Gateway API policy
// attachment: targetRefs name Gateways in the policy's namespace, optionally one listener.
//
//   apiVersion: edgegate.io/v1alpha1
//   kind: GatewayNetworkPolicy
//   metadata: { name: office-only, namespace: web }
//   spec:
//     targetRefs:
//     - { group: gateway.networking.k8s.io, kind: Gateway, name: public, sectionName: https }
//     ingress:
//       allow: [10.0.0.0/8, "2001:db8::/32"]
//       deny: [10.66.0.0/16]
//     egress:
//       allow:
//       - { cidr: 10.20.0.0/16, ports: [443] }
import type { Conforms, Mismatches } from "../api/conforms.ts";
import type { GatewayNetworkPolicyJson } from "../gen/edgegate/policy/v1alpha1/gateway_network_policy_pb.ts";

export const POLICY_GROUP = "edgegate.io";
export const POLICY_VERSION = "v1alpha1";
export const POLICY_KIND = "GatewayNetworkPolicy";

export interface PolicyTargetRef {
  group: "gateway.networking.k8s.io";
  kind: "Gateway";
  name: string;
  /** A listener name of that Gateway; every listener when absent. */
  sectionName?: string;
}

export interface GatewayNetworkPolicySpec {
  targetRefs: PolicyTargetRef[];
  ingress?: {
    /** Only these clients may connect, once the list is non-empty. */
    allow?: string[];
    /** Refused even when an allow entry matches, unless a longer allow prefix matches. */
    deny?: string[];
  };
  egress?: {
    allow?: Array<{ cidr: string; ports?: number[] }>;
  };
}

export interface GatewayNetworkPolicy {
  apiVersion: `${typeof POLICY_GROUP}/${typeof POLICY_VERSION}`;
  kind: typeof POLICY_KIND;
  metadata: { name: string; namespace: string; generation?: number };
  spec: GatewayNetworkPolicySpec;
}

// The schema of record is proto/edgegate/policy/v1alpha1/gateway_network_policy.proto; these
// interfaces add what proto3 JSON cannot say (required fields, the literal group/kind/apiVersion)
// and must name the same fields with the same JSON types, which the typecheck proves here.
export type GatewayNetworkPolicyConforms = Conforms<Mismatches<GatewayNetworkPolicy, GatewayNetworkPolicyJson>>;
