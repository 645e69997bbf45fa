// Virtual host selection (route_components.proto VirtualHost.domains).
import type { RouteConfiguration, VirtualHost } from "./types.ts";

/** Splits "host:port" (or "[v6]:port"); returns the host part and the port text (or undefined). */
export function splitHostPort(authority: string): { host: string; port?: string } {
  if (authority.startsWith("[")) {
    const end = authority.indexOf("]");
    const rest = authority.slice(end + 1);
    return rest.startsWith(":") ? { host: authority.slice(0, end + 1), port: rest.slice(1) } : { host: authority };
  }
  const i = authority.lastIndexOf(":");
  if (i === -1 || authority.indexOf(":") !== i) return { host: authority };
  return { host: authority.slice(0, i), port: authority.slice(i + 1) };
}

/**
 * "Domain search order: 1. Exact domain names: www.foo.com. 2. Suffix domain wildcards: *.foo.com
 * or *-bar.foo.com. 3. Prefix domain wildcards: foo.* or foo-*. 4. Special wildcard * matching any
 * domain. ... The wildcard will not match the empty string. e.g. *-bar.foo.com will match
 * baz-bar.foo.com but not -bar.foo.com. The longest wildcards match first."
 * Host matching is case-insensitive (Envoy lower-cases the host before the lookup). The port stays
 * part of the host unless RouteConfiguration.ignore_port_in_host_matching is set (or the HCM
 * stripped it before routing): a host `example.com:8080` does not match domain `example.com`.
 */
export function selectVirtualHost(rc: RouteConfiguration, authority: string): VirtualHost | undefined {
  let host = authority.toLowerCase();
  if (rc.ignorePortInHostMatching === true) host = splitHostPort(host).host;
  const vhosts = rc.virtualHosts ?? [];
  const all: { vh: VirtualHost; d: string }[] = [];
  for (const vh of vhosts) for (const d of vh.domains ?? []) all.push({ vh, d: d.toLowerCase() });

  const exact = all.find((e) => e.d === host);
  if (exact) return exact.vh;

  const suffix = all
    .filter((e) => e.d.length > 1 && e.d.startsWith("*") && host.length > e.d.length - 1 && host.endsWith(e.d.slice(1)))
    .sort((a, b) => b.d.length - a.d.length);
  if (suffix[0]) return suffix[0].vh;

  const prefix = all
    .filter((e) => e.d.length > 1 && e.d.endsWith("*") && host.length > e.d.length - 1 && host.startsWith(e.d.slice(0, -1)))
    .sort((a, b) => b.d.length - a.d.length);
  if (prefix[0]) return prefix[0].vh;

  return all.find((e) => e.d === "*")?.vh;
}
