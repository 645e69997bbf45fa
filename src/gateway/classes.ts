// GatewayClasses this node serves and their status.
import type { GatewayClass } from "../kinds/gateway-api.ts";
import { condition, type ObjectStatus } from "../object-status/types.ts";
import { supportedFeatures } from "./features.ts";
import type { ClassParams } from "./class-params.ts";

export function classStatus(gc: GatewayClass, params: ClassParams): ObjectStatus {
  const g = gc.metadata.generation;
  return {
    kind: "GatewayClass",
    name: gc.metadata.name,
    status: {
      conditions: [
        params.ok
          ? condition("Accepted", true, "Accepted", ["edgegate serves this GatewayClass", ...params.settings.notes].join("; "), g)
          : condition("Accepted", false, "InvalidParameters", params.message, g),
        condition("SupportedVersion", true, "SupportedVersion", "Gateway API v1.6", g),
      ],
      supportedFeatures: supportedFeatures.map((name) => ({ name })),
    },
  };
}
