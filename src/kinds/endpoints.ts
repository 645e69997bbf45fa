// The edgegate.io/endpoints annotation: "10.0.0.1, 10.0.0.2:8080, [2001:db8::1]:80", or one DNS name
// on its own ("backend.lab:8080"). A lab without Kubernetes has no EndpointSlices; this gives a
// selector-less Service its endpoints. Parsed strictly: an entry that is not understood, an empty
// value or entry, or a DNS name mixed with other entries is an error, never silently dropped
// (Envoy resolves one name per cluster, so a name cannot share a cluster with addresses).
import { isIP, isIPv4, isIPv6 } from "../net/ip.ts";
import { clip } from "../yaml/clip.ts";

export interface StaticEndpoint {
  /** IP address or DNS name. */
  host: string;
  /** Overrides the Service port's targetPort when set. */
  port?: number;
  dns: boolean;
}

const dnsName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const digitsAndDots = /^[0-9.]+$/;
const portText = /^[0-9]{1,5}$/;

type Entry = { ok: true; endpoint: StaticEndpoint } | { ok: false; message: string };

function entry(raw: string): Entry {
  const q = JSON.stringify(clip(raw, 60));
  let host = raw;
  let port: string | undefined;
  if (raw.startsWith("[")) {
    const close = raw.indexOf("]");
    if (close < 0 || (close + 1 < raw.length && raw[close + 1] !== ":"))
      return { ok: false, message: `endpoint ${q}: an IPv6 address with a port is written [ADDRESS]:PORT` };
    host = raw.slice(1, close);
    port = close + 1 < raw.length ? raw.slice(close + 2) : undefined;
    if (!isIPv6(host)) return { ok: false, message: `endpoint ${q}: ${JSON.stringify(clip(host, 60))} is not an IPv6 address` };
  } else if (!isIPv6(raw)) {
    const colon = raw.lastIndexOf(":");
    if (colon >= 0) {
      host = raw.slice(0, colon);
      port = raw.slice(colon + 1);
    }
  }
  const hostOk = isIP(host) || (host.length <= 253 && dnsName.test(host));
  if (!hostOk && !digitsAndDots.test(host)) return { ok: false, message: `endpoint ${q} is not an IP address, IP:port, [IPv6]:port, or a DNS name` };
  let portNumber: number | undefined;
  if (port !== undefined) {
    if (!portText.test(port) || Number(port) < 1 || Number(port) > 65535)
      return { ok: false, message: `endpoint ${q}: the port must be a number from 1 to 65535` };
    portNumber = Number(port);
  }
  if (isIP(host)) return { ok: true, endpoint: { host, port: portNumber, dns: false } };
  if (digitsAndDots.test(host) && !isIPv4(host)) return { ok: false, message: `endpoint ${q}: ${JSON.stringify(host)} is not a valid IPv4 address` };
  if (host.length <= 253 && dnsName.test(host)) return { ok: true, endpoint: { host, port: portNumber, dns: true } };
  return { ok: false, message: `endpoint ${q} is not an IP address, IP:port, [IPv6]:port, or a DNS name` };
}

export function parseEndpointList(text: string): { endpoints: StaticEndpoint[]; errors: string[] } {
  const endpoints: StaticEndpoint[] = [];
  const errors: string[] = [];
  if (text.trim() === "") return { endpoints, errors: ["is empty: list IP[:port] entries separated by commas, or one DNS name[:port]"] };
  const parts = text.split(",").map((p) => p.trim());
  parts.forEach((raw, i) => {
    if (raw === "") {
      errors.push(`entry ${i + 1} is empty (a doubled or trailing comma?)`);
      return;
    }
    if (/\s/.test(raw)) {
      errors.push(`entry ${JSON.stringify(clip(raw, 60))} has a space inside; separate entries with commas`);
      return;
    }
    const e = entry(raw);
    if (e.ok) endpoints.push(e.endpoint);
    else errors.push(e.message);
  });
  const names = endpoints.filter((e) => e.dns);
  if (names.length > 0 && endpoints.length > 1) {
    errors.push(
      `a DNS name (${JSON.stringify(clip(names[0]!.host, 60))}) must be the only entry: Envoy resolves one name per cluster and cannot mix it with other endpoints`,
    );
  }
  return { endpoints: errors.length > 0 ? [] : endpoints, errors };
}
