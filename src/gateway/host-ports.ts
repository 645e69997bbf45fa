// What the node itself allows: a Gateway listener Envoy could not bind is not handed to Envoy
// (a bind failure makes Envoy refuse the whole listener update) and says why in its conditions:
//   - a port below the node's unprivileged start (1024) when Envoy lacks CAP_NET_BIND_SERVICE;
//   - a port another process on the node already listens on (found through /proc, see
//     src/net/listening.ts), named in the message; re-checked periodically, it clears on its own.
// Inputs are observations of the node made at the edge; this stage stays pure.
import type { Gateway } from "../kinds/gateway-api.ts";
import { condition } from "../object-status/types.ts";
import type { GatewayAddresses } from "./addresses.ts";
import type { ListenerState } from "./listeners.ts";

export interface HostPorts {
  /** Envoy can bind ports at or above this; 0 when it can bind any (root, or CAP_NET_BIND_SERVICE). */
  unprivilegedPortStart: number;
  /** Listening sockets of other processes than the supervised Envoy. */
  inUse: ReadonlyArray<{ address: string; port: number; process: string }>;
}

const wildcard = (a: string): boolean => a === "0.0.0.0" || a === "::" || a === "";
const v6 = (a: string): boolean => a.includes(":");

/** Do two bind addresses collide? A wildcard collides with its family (:: with both, as Linux's dual-stack default does). */
function overlaps(a: string, b: string): boolean {
  if (a === b) return true;
  if (a === "::" || b === "::") return true;
  if (wildcard(a)) return !v6(b);
  if (wildcard(b)) return !v6(a);
  return false;
}

/** Why Envoy cannot bind `port`: the listener's condition message, and `validate --config`'s warning. */
export function privilegedPortMessage(port: number, unprivilegedPortStart: number): string {
  return `port ${port} is below ${unprivilegedPortStart} and Envoy cannot bind it: it lacks CAP_NET_BIND_SERVICE (give edgegate the ambient capability, which Envoy inherits: AmbientCapabilities=CAP_NET_BIND_SERVICE in its systemd unit, NET_BIND_SERVICE in the Envoy container's capabilities; or use a port of ${unprivilegedPortStart} or more)`;
}

/** boundPort: the port Envoy binds for a listener port (the node port, in nodePort exposure). */
export function markHostPorts(
  gateways: readonly Gateway[],
  ls: ReadonlyMap<Gateway, ListenerState[]>,
  addresses: ReadonlyMap<Gateway, GatewayAddresses>,
  host: HostPorts,
  boundPort: (gw: Gateway, port: number) => number = (_gw, p) => p,
): void {
  for (const gw of gateways) {
    const bind = addresses.get(gw)!.bind;
    const g = gw.metadata.generation;
    for (const l of ls.get(gw)!) {
      if (!l.usable) continue;
      const port = boundPort(gw, l.listener.port);
      let message: string | undefined;
      if (port < host.unprivilegedPortStart) message = privilegedPortMessage(port, host.unprivilegedPortStart);
      else {
        const taken = host.inUse.find((u) => u.port === port && bind.some((a) => overlaps(a, u.address)));
        if (taken) message = `${taken.address}:${port} is already in use on this node by ${taken.process}`;
      }
      if (!message) continue;
      l.conditions.programmed = condition("Programmed", false, "PortUnavailable", message, g);
      l.usable = false;
    }
  }
}
