// The Gateway side of translation: what is built from GatewayClasses, Gateways, ListenerSets and
// the objects they name (Secrets, ConfigMaps, class parameters), before any route is looked at.
// Nothing here reads a route, so while none of those objects changes the result stays valid and a
// route-only change reuses it (src/translate/world.ts decides when; memo.ts keeps it).
import type { Gateway } from "../kinds/gateway-api.ts";
import type { IrSecret } from "../ir/types.ts";
import { condition, type ObjectStatus } from "../object-status/types.ts";
import type { Inputs } from "../translate/inputs.ts";
import { assignAddresses, type GatewayAddresses } from "./addresses.ts";
import { parentKey, type GatewayState } from "./attach.ts";
import { listenerSetsOf, type ListenerSetState } from "./listenersets.ts";
import { classStatus } from "./classes.ts";
import { backendClientCertificate, type BackendClient } from "./backend-client.ts";
import { buildListeners, markConflicts, type ListenerState } from "./listeners.ts";
import { markHostPorts } from "./host-ports.ts";
import { classParams, type ClassSettings } from "./class-params.ts";
import { onNodePort, type ClassExposure } from "./exposure.ts";
import type { GatewayOptions } from "./index.ts";

export interface GatewayWorld {
  /** Our GatewayClasses' status. */
  classStatus: ObjectStatus[];
  /** Accepted classes' settings, by class name. */
  classes: Map<string, ClassSettings>;
  /** The Gateways of accepted classes, oldest first. */
  gateways: Gateway[];
  addresses: Map<Gateway, GatewayAddresses>;
  clientCerts: Map<Gateway, BackendClient>;
  /** The parents routes can name, by parentKey. */
  states: Map<string, GatewayState>;
  /** Per Gateway: its own listeners, then those of the ListenerSets it admits (precedence order). */
  listenerStates: Map<Gateway, ListenerState[]>;
  ownListeners: Map<Gateway, ListenerState[]>;
  listenerSets: Map<Gateway, ListenerSetState[]>;
}

/** edgegate defines no Gateway parameters kind: a Gateway with infrastructure.parametersRef is not accepted. */
export function gatewayAccepted(gw: Gateway): boolean {
  return gw.spec.infrastructure?.parametersRef === undefined;
}

export function exposureOf(world: GatewayWorld, gw: Gateway, fallback: ClassExposure): ClassExposure {
  return world.classes.get(gw.spec.gatewayClassName)?.exposure ?? fallback;
}

export function buildGatewayWorld(inp: Inputs, opts: GatewayOptions, secrets: Map<string, IrSecret>): GatewayWorld {
  const classStatuses: ObjectStatus[] = [];
  // A class whose parameters cannot be read serves nothing (Accepted=False, InvalidParameters).
  const classes = new Map<string, ClassSettings>();
  for (const gc of inp.gatewayClasses) {
    if (gc.spec.controllerName !== opts.controllerName) continue;
    const p = classParams(inp, gc, opts.exposure);
    if (p.ok) classes.set(gc.metadata.name, p.settings);
    classStatuses.push(classStatus(gc, p));
  }
  const gateways = inp.gateways.filter((g) => classes.has(g.spec.gatewayClassName));
  const world: GatewayWorld = {
    classStatus: classStatuses,
    classes,
    gateways,
    addresses: assignAddresses(gateways, opts),
    clientCerts: new Map(gateways.map((gw) => [gw, backendClientCertificate(inp, gw, secrets)])),
    states: new Map(),
    listenerStates: new Map(),
    ownListeners: new Map(),
    listenerSets: new Map(),
  };
  for (const gw of gateways) {
    const own = buildListeners(inp, gw, secrets);
    const sets = listenerSetsOf(inp, gw, secrets);
    const ls = [...own, ...sets.flatMap((x) => x.listeners)];
    markConflicts(ls);
    if (!gatewayAccepted(gw)) {
      for (const l of ls) {
        l.usable = false;
        l.conditions.programmed = condition("Programmed", false, "Invalid", "the Gateway is not accepted (invalid parametersRef)", l.owner.generation);
      }
    }
    world.listenerStates.set(gw, ls);
    world.ownListeners.set(gw, own);
    world.listenerSets.set(gw, sets);
    const ns = gw.metadata.namespace;
    world.states.set(parentKey("Gateway", ns, gw.metadata.name), { key: `${ns}/${gw.metadata.name}`, listeners: own });
    for (const x of sets) {
      const lsNs = x.set.metadata.namespace;
      const notAccepted = x.notAllowed ?? (gatewayAccepted(gw) ? undefined : `Gateway ${ns}/${gw.metadata.name} is not accepted`);
      world.states.set(parentKey("ListenerSet", lsNs, x.set.metadata.name), { key: `${lsNs}/${x.set.metadata.name}`, listeners: x.listeners, notAccepted });
    }
  }
  // The ports Envoy binds: a class in nodePort exposure binds the node ports.
  const boundPort = (gw: Gateway, port: number): number => onNodePort(exposureOf(world, gw, opts.exposure), port) ?? port;
  markPortClashes(world, boundPort);
  if (opts.hostPorts) markHostPorts(gateways, world.listenerStates, world.addresses, opts.hostPorts, boundPort);
  return world;
}

// Two Gateways cannot both bind the same address and port on this node.
function markPortClashes(world: GatewayWorld, boundPort: (gw: Gateway, port: number) => number): void {
  const owner = new Map<string, string>();
  for (const gw of world.gateways) {
    const key = `${gw.metadata.namespace}/${gw.metadata.name}`;
    const bind = world.addresses.get(gw)!.bind;
    for (const l of world.listenerStates.get(gw)!) {
      if (!l.usable) continue;
      for (const a of bind) {
        const sock = `${a}:${boundPort(gw, l.listener.port)}`;
        const o = owner.get(sock);
        if (o !== undefined && o !== key) {
          const g = gw.metadata.generation;
          const msg = `${sock} is already used by Gateway ${o}; give this Gateway its own spec.addresses or configure exposure.addressPool`;
          l.conditions.accepted = condition("Accepted", false, "PortUnavailable", msg, g);
          l.conditions.programmed = condition("Programmed", false, "Invalid", msg, g);
          l.usable = false;
          l.attachable = false;
        } else owner.set(sock, key);
      }
    }
  }
}
