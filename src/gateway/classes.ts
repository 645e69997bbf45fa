// GatewayClasses this node serves and their status.
import type { GatewayClass } from "../resources/gateway-api.ts";
import { condition, type ObjectStatus } from "../status/types.ts";
import { supportedFeatures } from "./features.ts";

export function classStatus(gc: GatewayClass): ObjectStatus {
  const g = gc.metadata.generation;
  const accepted = gc.spec.parametersRef === undefined;
  return {
    kind: "GatewayClass",
    name: gc.metadata.name,
    status: {
      conditions: [
        accepted
          ? condition("Accepted", true, "Accepted", "edgegate serves this GatewayClass", g)
          : condition("Accepted", false, "InvalidParameters", "edgegate takes no parametersRef; configure it in edgegate.yaml", g),
        condition("SupportedVersion", true, "SupportedVersion", "Gateway API v1.6", g),
      ],
      supportedFeatures: supportedFeatures.map((name) => ({ name })),
    },
  };
}
