// Ingress annotations edgegate honours, under Cilium's names (so a Cilium user's manifests work
// unchanged) and edgegate's own. edgegate.io/ wins when both are set.
import type { Ingress } from "../resources/core.ts";
import { durationMs } from "../validate/names.ts";

export interface IngressOptions {
  forceHttps: boolean;
  requestTimeoutMs?: number;
  /**
   * Acted on (index.ts): TLS for this Ingress's hosts is not terminated; the 443 listener routes
   * the connection by SNI to the backend of the host's "/" path (or its first path), as Cilium does.
   */
  tlsPassthrough: boolean;
  // The annotations below are accepted (a Cilium user's manifests load without warnings) and have
  // no effect here, because each configures something edgegate does not create:
  /**
   * Cilium: the host-network port of a dedicated Ingress's own Envoy listener. edgegate serves
   * every Ingress from the node's shared listeners on 80/443 (bound to the node addresses, so
   * they already are host-network ports); a per-Ingress port would need a per-Ingress listener.
   */
  hostListenerPort?: number;
  /**
   * Cilium: one shared LoadBalancer Service for all Ingresses, or one per Ingress. edgegate
   * creates no Services: traffic arrives on the node's own addresses, shared by construction.
   */
  loadbalancerMode?: "shared" | "dedicated";
  /** Cilium: the type of the Service it creates for a dedicated Ingress. No Service is created here. */
  serviceType?: "LoadBalancer" | "NodePort";
  /** Cilium: the NodePorts of that Service (HTTP / HTTPS). No Service, no NodePorts. */
  insecureNodePort?: number;
  secureNodePort?: number;
}

function get(i: Ingress, name: string): string | undefined {
  const a = i.metadata.annotations ?? {};
  return a[`edgegate.io/${name}`] ?? a[`ingress.cilium.io/${name}`];
}

const truthy = (v: string | undefined): boolean => v === "true" || v === "enabled";

function port(v: string | undefined): number | undefined {
  if (v === undefined || !/^[0-9]+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 65535 ? n : undefined;
}

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === v);
}

export function ingressOptions(i: Ingress): IngressOptions {
  const timeout = get(i, "request-timeout");
  return {
    forceHttps: truthy(get(i, "force-https")),
    requestTimeoutMs: timeout !== undefined && /^([0-9]+(h|m|s|ms))+$/.test(timeout) ? durationMs(timeout) : undefined,
    tlsPassthrough: truthy(get(i, "tls-passthrough")),
    hostListenerPort: port(get(i, "host-listener-port")),
    loadbalancerMode: oneOf(get(i, "loadbalancer-mode"), ["shared", "dedicated"] as const),
    serviceType: oneOf(get(i, "service-type"), ["LoadBalancer", "NodePort"] as const),
    insecureNodePort: port(get(i, "insecure-node-port")),
    secureNodePort: port(get(i, "secure-node-port")),
  };
}
