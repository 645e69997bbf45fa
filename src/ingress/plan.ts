// Where an Ingress is served on this node. Cilium's loadbalancer-mode decides between one shared
// load balancer for all Ingresses and one per Ingress; on a node-local gateway the "load balancer"
// is a listener, so:
//   shared (the default)   the node's shared listeners, HTTP on 80 and HTTPS on 443;
//   dedicated              listeners of its own, on host-listener-port (HTTP and TLS on one port,
//                          told apart by the TLS inspector, as Cilium's host-network listener does),
//                          or, with service-type NodePort, on insecure-node-port / secure-node-port.
// A dedicated Ingress without a port to listen on is served on the shared listeners, and says so.
import type { Ingress } from "../kinds/core.ts";
import type { TranslateProblem } from "../object-status/types.ts";
import { keyOf } from "../store/types.ts";
import type { IngressOptions } from "./annotations.ts";

export interface IngressPorts {
  /** Listener and route configuration name prefix: "ingress" when shared, else "ingress/<ns>/<name>". */
  name: string;
  http: number;
  https: number;
}

export const SHARED: IngressPorts = { name: "ingress", http: 80, https: 443 };

export function planIngress(ing: Ingress, o: IngressOptions, problems: TranslateProblem[]): IngressPorts {
  const ns = ing.metadata.namespace;
  const note = (annotation: string, message: string): void => {
    problems.push({ key: keyOf(ing), path: ["metadata", "annotations", annotation], message });
  };
  if (o.loadbalancerMode !== "dedicated") {
    if (o.hostListenerPort !== undefined)
      note(
        "ingress.cilium.io/host-listener-port",
        "has effect only with loadbalancer-mode: dedicated; this Ingress is served on the shared listeners (80/443)",
      );
    if (o.serviceType !== undefined || o.insecureNodePort !== undefined || o.secureNodePort !== undefined)
      note(
        "ingress.cilium.io/service-type",
        "service-type and node ports have effect only with loadbalancer-mode: dedicated; this Ingress is served on the shared listeners (80/443)",
      );
    return SHARED;
  }
  const name = `ingress/${ns}/${ing.metadata.name}`;
  if (o.hostListenerPort !== undefined) return { name, http: o.hostListenerPort, https: o.hostListenerPort };
  if (o.serviceType === "NodePort" && (o.insecureNodePort !== undefined || o.secureNodePort !== undefined)) {
    // Kubernetes would pick a missing node port at random; a node has no allocator, so the one
    // given serves both (told apart by the TLS inspector).
    const http = o.insecureNodePort ?? o.secureNodePort!;
    return { name, http, https: o.secureNodePort ?? http };
  }
  note(
    "ingress.cilium.io/loadbalancer-mode",
    "dedicated needs ingress.cilium.io/host-listener-port (or service-type: NodePort with node ports) on a node-local gateway: no per-Ingress load balancer is created; served on the shared listeners (80/443)",
  );
  return SHARED;
}
