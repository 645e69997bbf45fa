// Ingress annotations edgegate honours, under Cilium's names (so a Cilium user's manifests work
// unchanged) and edgegate's own. edgegate.io/ wins when both are set.
import type { Ingress } from "../resources/core.ts";
import { durationMs } from "../validate/names.ts";

export interface IngressOptions {
  forceHttps: boolean;
  requestTimeoutMs?: number;
  tlsPassthrough: boolean;
}

function get(i: Ingress, name: string): string | undefined {
  const a = i.metadata.annotations ?? {};
  return a[`edgegate.io/${name}`] ?? a[`ingress.cilium.io/${name}`];
}

const truthy = (v: string | undefined): boolean => v === "true" || v === "enabled";

export function ingressOptions(i: Ingress): IngressOptions {
  const timeout = get(i, "request-timeout");
  return {
    forceHttps: truthy(get(i, "force-https")),
    requestTimeoutMs: timeout !== undefined && /^([0-9]+(h|m|s|ms))+$/.test(timeout) ? durationMs(timeout) : undefined,
    tlsPassthrough: truthy(get(i, "tls-passthrough")),
  };
}
