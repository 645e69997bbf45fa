// Kinds defined outside the Gateway API / Kubernetes core that edgegate also reads. Imported once by
// every entry point that loads inputs, so files and the Kubernetes source accept the same kinds.
import { registerKind } from "./validate/object.ts";
import { gatewayNetworkPolicyKind } from "./policy/kind.ts";

registerKind(gatewayNetworkPolicyKind);
