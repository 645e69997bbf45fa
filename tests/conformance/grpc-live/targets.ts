// What a proxyless client dials for one suite request. The suite dials the Gateway's address and
// port, optionally overriding :authority; Envoy then picks a listener's virtual hosts by that
// authority. A proxyless client has no address to dial: it names an api_listener, one per
// Gateway listener (and per exact hostname), and grpc-js-xds picks the virtual host by the
// authority. The target is chosen from the Gateway's spec alone, never from what edgegate
// serves, so a missing or wrong api_listener fails the case:
//   - no authority: the suite's authority is the address, which only a hostname-less listener
//     serves: dial that listener's name ("<listener>.<gateway>.<namespace>").
//   - an authority equal to a listener hostname: dial the hostname itself (edgegate serves an
//     api_listener per exact hostname).
//   - an authority a wildcard or hostname-less listener covers: dial that listener (the most
//     specific, as listener isolation requires) with the authority overridden.
//   - no listener covers it: dial the listener the suite's gateway ref names, authority
//     overridden; the case expects the RPC not to be routed.
import type { GatewayRefJson } from "../harness/suite.ts";
import type { Target } from "./client.ts";

export interface ListenerSpec {
  name: string;
  port: number;
  hostname?: string;
}

export interface GatewaySpec {
  name: string;
  namespace: string;
  listeners: ListenerSpec[];
}

function covers(listenerHost: string | undefined, host: string): boolean {
  if (listenerHost === undefined) return true;
  if (listenerHost.startsWith("*.")) return host.endsWith(listenerHost.slice(1)) && host.length > listenerHost.length - 1;
  return listenerHost === host;
}

/** Exact hostnames before wildcards, longer wildcards before shorter, hostname-less last. */
function specificity(h: string | undefined): number {
  if (h === undefined) return 0;
  return h.startsWith("*.") ? 1 + h.length : 10_000 + h.length;
}

export function targetFor(gw: GatewaySpec, ref: GatewayRefJson, authority: string | undefined): Target {
  const onPort = gw.listeners.filter((l) => l.port === ref.port);
  const named = (l: ListenerSpec): string => `${l.name}.${gw.name}.${gw.namespace}`;
  const fallback = onPort.find((l) => l.name === ref.listener) ?? onPort[0];
  if (!fallback) throw new Error(`harness: Gateway ${gw.namespace}/${gw.name} has no listener on port ${ref.port}`);
  if (authority === undefined) return { listener: named(onPort.find((l) => l.hostname === undefined) ?? fallback) };
  const best = onPort.filter((l) => covers(l.hostname, authority)).sort((a, b) => specificity(b.hostname) - specificity(a.hostname))[0];
  if (best?.hostname === authority) return { listener: authority };
  return { listener: named(best ?? fallback), authority };
}
