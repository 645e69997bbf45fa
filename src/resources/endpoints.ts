// The edgegate.io/endpoints annotation: "10.0.0.1, 10.0.0.2:8080, [2001:db8::1]:80, backend.lab:8080".
// A lab without Kubernetes has no EndpointSlices; this gives a selector-less Service its endpoints.
import { isIP, isIPv6 } from "../net/ip.ts";

export interface StaticEndpoint {
  /** IP address or DNS name. */
  host: string;
  /** Overrides the Service port's targetPort when set. */
  port?: number;
  dns: boolean;
}

const dnsName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseEndpointList(text: string): { endpoints: StaticEndpoint[]; errors: string[] } {
  const endpoints: StaticEndpoint[] = [];
  const errors: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    if (raw === "") continue;
    let host = raw;
    let port: number | undefined;
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
    if (v6) {
      host = v6[1]!;
      port = v6[2] !== undefined ? Number(v6[2]) : undefined;
    } else if (!isIPv6(raw)) {
      const m = /^([^:]+):(\d+)$/.exec(raw);
      if (m) {
        host = m[1]!;
        port = Number(m[2]);
      }
    }
    if (port !== undefined && (port < 1 || port > 65535)) {
      errors.push(`endpoint ${JSON.stringify(raw)}: port must be between 1 and 65535`);
      continue;
    }
    if (isIP(host)) endpoints.push({ host, port, dns: false });
    else if (dnsName.test(host)) endpoints.push({ host, port, dns: true });
    else errors.push(`endpoint ${JSON.stringify(raw)} is not an IP address, [IPv6]:port, or DNS name`);
  }
  return { endpoints, errors };
}
