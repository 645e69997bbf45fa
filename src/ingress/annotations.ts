// Ingress annotations edgegate honours, under Cilium's names (so a Cilium user's manifests work
// unchanged) and edgegate's own. edgegate.io/ wins when both are set.
import type { Ingress } from "../kinds/core.ts";
import { durationMs } from "../validate/names.ts";

export interface IngressOptions {
  forceHttps: boolean;
  requestTimeoutMs?: number;
  /**
   * Acted on (index.ts): TLS for this Ingress's hosts is not terminated; the 443 listener routes
   * the connection by SNI to the backend of the host's "/" path (or its first path), as Cilium does.
   */
  tlsPassthrough: boolean;
  // Where the Ingress is served (plan.ts): Cilium's per-Ingress load balancer becomes, on a node,
  // listeners of the Ingress's own.
  /** Cilium: the host-network port of a dedicated Ingress's own Envoy listener (HTTP and TLS). */
  hostListenerPort?: number;
  /** Cilium: one shared load balancer for all Ingresses, or one per Ingress (dedicated). */
  loadbalancerMode?: "shared" | "dedicated";
  /** Cilium: the type of the Service of a dedicated Ingress; NodePort puts it on the node ports below. */
  serviceType?: "LoadBalancer" | "NodePort";
  /** Cilium: the node ports of a dedicated NodePort Ingress (HTTP / HTTPS). */
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
