// Registration record for the validator's kind table: registerKind(gatewayNetworkPolicyKind).
import type { KindInfo } from "../validate/object.ts";
import { POLICY_GROUP, POLICY_KIND, POLICY_VERSION } from "./types.ts";
import { validateGatewayNetworkPolicy } from "./validate.ts";

export const gatewayNetworkPolicyKind: KindInfo = {
  group: POLICY_GROUP,
  versions: [POLICY_VERSION],
  kind: POLICY_KIND,
  namespaced: true,
  validate: (o, r) => validateGatewayNetworkPolicy(o, r),
};
