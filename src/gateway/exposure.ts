// How a Gateway listener is exposed on the node: hostNetwork (Envoy binds the listener port) or
// nodePort (Envoy binds, and the datapath steers, the node port mapped to it; a listener port
// without a node port is not exposed to clients, so it is not steered). edgegate.yaml sets it for
// the node; a GatewayClass's parameters may set it for the class (class-params.ts).
export type { ClassExposure } from "./class-params.ts";
import type { ClassExposure } from "./class-params.ts";

/** The port Envoy binds for a listener port: the node port in nodePort mode (undefined when none is mapped). */
export function onNodePort(e: ClassExposure, port: number): number | undefined {
  if (e.mode !== "nodePort") return port;
  return e.nodePorts[String(port)];
}
