// What the eBPF datapath must do, derived from the IR. Pure data: the datapath/ stage turns it into
// BPF map entries; nothing here knows about maps or file descriptors.

/** Steer new TCP connections for address:port to Envoy's listener on envoyPort. */
export interface SteeringTarget {
  /** IPv4 or IPv6 address the listener is exposed on (Gateway spec.addresses or a node address). */
  address: string;
  port: number;
  /**
   * Last port of a range [port, portEnd] steered to the one Envoy listener (which sees the
   * original destination port). sk_lookup mode only: tc mode steers exact ports and skips ranges.
   */
  portEnd?: number;
  /** Port of Envoy's (transparent) listener socket that accepts these connections. */
  envoyPort: number;
  /**
   * Address of that listener socket; defaults to 127.0.0.1 for an IPv4 target and ::1 for IPv6.
   * "::" means a dual-stack [::] socket, which also takes IPv4 clients.
   */
  envoyAddress?: string;
  /** "namespace/gateway" and listener name, for counters and status. */
  gateway: string;
  listener: string;
}

export interface CidrRule {
  cidr: string;
  action: "allow" | "deny";
}

/** World -> gateway: per exposed port, who may connect. No entry means allow all. */
export interface ListenerPolicy {
  port: number;
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
}
