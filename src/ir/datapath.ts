// What the eBPF datapath must do, derived from the IR. Pure data (and listenerSteering, the one
// place a steering target is derived from the IR listener Envoy binds): the datapath/ stage turns
// it into BPF map entries; nothing here knows about maps or file descriptors.
import { isIPv6 } from "../net/ip.ts";

/** Steer new TCP connections (or UDP datagrams) for address:port to Envoy's socket on envoyPort. */
export interface SteeringTarget {
  /** IPv4 or IPv6 address the listener is exposed on (Gateway spec.addresses or a node address). */
  address: string;
  port: number;
  /** Transport of the listener (Gateway API ProtocolType spelling); absent means TCP. */
  protocol?: "TCP" | "UDP";
  /**
   * Last port of a range [port, portEnd] steered to the one Envoy listener (which sees the
   * original destination port). sk_lookup mode only: tc mode steers exact ports and skips ranges.
   */
  portEnd?: number;
  /** Port of Envoy's (transparent) listener socket that accepts these connections. */
  envoyPort: number;
  /**
   * Address of that listener socket, as the Envoy Listener binds it (listenerSteering sets it from
   * the IR listener, so the two cannot disagree); "0.0.0.0" / "::" mean Envoy's wildcard socket
   * ("::" dual-stack, which also takes IPv4 clients). Left out only by callers that steer to a
   * socket of their own: it then defaults to 127.0.0.1 for an IPv4 target and ::1 for IPv6.
   */
  envoyAddress?: string;
  /** "namespace/gateway" and listener name, for counters and status. */
  gateway: string;
  /**
   * The Gateway listener's name (its sectionName, which policies target); one target per listener
   * when several share the socket. A ListenerSet's listener has its unique section name.
   */
  listener: string;
}

export interface CidrRule {
  cidr: string;
  action: "allow" | "deny";
}

/** World -> gateway: per exposed port, who may connect. No entry means allow all. */
export interface ListenerPolicy {
  port: number;
  /** The listener's transport, as its steering target's; absent means TCP. */
  protocol?: "TCP" | "UDP";
  /** Empty address means every steered address with that port. */
  address?: string;
  rules: CidrRule[];
  /** Applies when no rule matches: "deny" once any allow rule exists, else "allow". */
  defaultAction: "allow" | "deny";
  /** "namespace/policy-name" of the attached policy object. */
  policy: string;
}

/** Gateway -> backends: where Envoy may connect. */
export interface EgressAllow {
  cidr: string;
  port?: number;
  reason: string;
}

export interface DatapathIntent {
  steering: SteeringTarget[];
  policies: ListenerPolicy[];
  egress: EgressAllow[];
  /** GAMMA: node-local connect() to a Service address:port goes to Envoy's loopback mesh listener. */
  mesh: MeshTarget[];
}

/** One Service ClusterIP and port of a mesh Service (src/mesh), and its mesh listener's port. */
export interface MeshTarget {
  address: string;
  port: number;
  envoyPort: number;
}

/** The parts of an IR listener that decide which sockets Envoy binds (IrListener in ir/types.ts). */
export interface ListenerSockets {
  address: string;
  extraAddresses: readonly string[];
  port: number;
  /** Set for a UDP listener (IrListener.udp): its socket is a UDP one. */
  udp?: object;
}

const wildcard = (a: string): boolean => a === "0.0.0.0" || a === "::";

/**
 * The steering targets of one IR listener. The emitted Envoy Listener binds `address` and each of
 * `extraAddresses` on `port` (xds/emit/listeners.ts); every target here points at exactly one of
 * those sockets, so the steering target and what Envoy binds come from the same fields. A specific
 * address (spec.addresses, the address pool) is steered to itself; a wildcard socket takes the
 * node's addresses of its family: Envoy binds "::" IPv6-only unless the SocketAddress sets
 * ipv4_compat, which the emitted listeners do not.
 */
export function listenerSteering(l: ListenerSockets, nodeAddresses: readonly string[], gateway: string, listeners: readonly string[]): SteeringTarget[] {
  const out: SteeringTarget[] = [];
  for (const bound of [l.address, ...l.extraAddresses]) {
    const targets = !wildcard(bound) ? [bound] : nodeAddresses.filter((a) => isIPv6(a) === (bound === "::"));
    for (const address of targets)
      for (const listener of listeners)
        out.push({ address, port: l.port, ...(l.udp ? { protocol: "UDP" as const } : {}), envoyPort: l.port, envoyAddress: bound, gateway, listener });
  }
  return out;
}
