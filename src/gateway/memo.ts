// Remembers each route's IR rules across compiles, so a change to one route among 10,000 does not
// rebuild the other 9,999. A route's rules are a function of three things only: the route object
// itself (kept by identity: unchanged files and unchanged API objects keep their objects), the
// listener's port and protocol (the key), and what each of its backendRefs resolved to (the
// cluster name, or nothing), which translate resolves for every route before rules are built
// (gateway/index.ts resolveAllBackends). So the resolutions are the entry's guard: a Service,
// ReferenceGrant or Gateway change rebuilds exactly the routes whose references now resolve
// differently, and a Service created for one route no longer rebuilds all 10,000 (it did while the
// memo started over on any change to an object that is not a route). Endpoints never take part:
// a rule names its cluster by Service, port and protocol (translate/services.ts), so an endpoint
// change costs an EDS update.
//
// A hostname's routes are sorted by precedence on every compile (10,000 routes: ~10 ms); when the
// rules gathered for it are the very same objects in the same order as last time, the sorted list
// is too, and is reused (hostRoutes).
//
// Before rules, each route is attached to its parents and its backends resolved (RouteAttachment,
// gateway/index.ts). That is a function of the route and the world (translate/world.ts: every
// object that is not a route) alone, so it is kept per route and per world: a route added among
// 10,000 attaches and resolves one route, not 10,000. A world change starts over.
//
// A Gateway's whole IR (its listeners, route configurations and api listeners) is a function of
// the world and the routes attached to it, in order. When both are the same objects as last time,
// it is reused (gatewayIr): a route added to one Gateway does not walk the 10,000 routes of
// another one hostname by hostname.
import type { IrRoute } from "../ir/types.ts";
import type { Gateway, RouteKind } from "../kinds/gateway-api.ts";
import { WorldMemo, type WorldState } from "../translate/world.ts";
import type { AttachedRoute, GatewayIr } from "./build.ts";
import type { RouteWithKey } from "./http-rules.ts";
import type { RouteAttachment } from "./index.ts";

type HostEntry = { gathered: RouteWithKey[][]; routes: IrRoute[] };

interface GatewayEntry {
  world: WorldState;
  attached: readonly AttachedRoute[];
  ir: GatewayIr;
  /** The sorted hostnames its build made or kept: carried into each compile that reuses it. */
  hosts: Map<string, HostEntry>;
}

interface Entry {
  /** The route's backend resolutions when the rules were built (RouteBackends.signature). */
  resolved: string;
  rules: RouteWithKey[];
}

export class TranslateMemo {
  readonly world = new WorldMemo();
  /** checked: the world's serviceChanges.count when the entry was last known valid. */
  private readonly attachments = new WeakMap<object, { world: WorldState; kind: RouteKind; value: RouteAttachment; checked: number }>();
  private readonly byRoute = new WeakMap<object, Map<string, Entry>>();
  /** Sorted routes per route configuration and hostname, this compile's and the previous one's (so removed hostnames are dropped). */
  private hosts = new Map<string, HostEntry>();
  private previousHosts = new Map<string, HostEntry>();
  private readonly gateways = new WeakMap<Gateway, GatewayEntry>();
  /** While a Gateway's IR is built: the hostnames it sorted or reused (see gatewayIr). */
  private building: Map<string, HostEntry> | undefined;
  hits = 0;
  misses = 0;
  hostHits = 0;
  attachHits = 0;
  gatewayHits = 0;

  /** Called once per compile, before any rules are asked for. */
  begin(): void {
    this.hits = 0;
    this.misses = 0;
    this.hostHits = 0;
    this.attachHits = 0;
    this.gatewayHits = 0;
    this.previousHosts = this.hosts;
    this.hosts = new Map();
  }

  /**
   * `route`'s attachment against `world`, when the one built last time is still valid: the route
   * object and the world are the same, and no Service it looked up was added, removed or changed
   * since. Its clusters are marked used in this compile, as resolving them again would.
   */
  reusedAttachment(route: object, kind: RouteKind, world: WorldState): RouteAttachment | undefined {
    const e = this.attachments.get(route);
    if (!e || e.world !== world || e.kind !== kind) return undefined;
    const changes = world.serviceChanges;
    if (e.checked !== changes.count) {
      // Services changed since: valid only if none of those it looked up did.
      const looked = e.value.backends.services;
      if (!looked) return undefined; // not tracked: cannot tell
      for (const key of looked) if ((changes.at.get(key) ?? 0) > e.checked) return undefined;
      e.checked = changes.count;
    }
    this.attachHits++;
    e.value.backends.useClusters();
    return e.value;
  }

  rememberAttachment(route: object, kind: RouteKind, world: WorldState, value: RouteAttachment): void {
    this.attachments.set(route, { world, kind, value, checked: world.serviceChanges.count });
  }

  /**
   * The routes of one hostname (`key`: route configuration and hostname) in precedence order.
   * `gathered` is the hostname's rule lists (one per route attachment, each kept while its route
   * is unchanged) in the order they were gathered; `sort` orders their rules. Reused only when every
   * list is the same array at the same place as last time, and rule lists are never changed once
   * built: the sort sees the same input, so gives the same output.
   */
  hostRoutes(key: string, gathered: RouteWithKey[][], sort: () => IrRoute[]): IrRoute[] {
    const prev = this.hosts.get(key) ?? this.previousHosts.get(key);
    if (prev && prev.gathered.length === gathered.length && prev.gathered.every((r, i) => r === gathered[i])) {
      this.hostHits++;
      this.hosts.set(key, prev);
      this.building?.set(key, prev);
      return prev.routes;
    }
    const entry = { gathered: [...gathered], routes: sort() };
    this.hosts.set(key, entry);
    this.building?.set(key, entry);
    return entry.routes;
  }

  /**
   * `gw`'s IR, reused when the world and its attached routes (each the same object, in the same
   * order) are those it was built from. An IR with a UDP listener is built every time: its
   * composite cluster is marked used by the build itself (ClusterSet.composite). The IR handed out
   * is shared between compiles: callers must not change it.
   */
  gatewayIr(gw: Gateway, world: WorldState, attached: readonly AttachedRoute[], build: () => GatewayIr): GatewayIr {
    const e = this.gateways.get(gw);
    if (e && e.world === world && e.attached.length === attached.length && e.attached.every((a, i) => a === attached[i])) {
      this.gatewayHits++;
      for (const [k, h] of e.hosts) this.hosts.set(k, h);
      return e.ir;
    }
    this.building = new Map();
    try {
      const ir = build();
      if (ir.listeners.some((l) => l.udp !== undefined)) this.gateways.delete(gw);
      else this.gateways.set(gw, { world, attached: [...attached], ir, hosts: this.building });
      return ir;
    } finally {
      this.building = undefined;
    }
  }

  /**
   * The rules of `route` on a listener (`key`: port and protocol). `resolved` gives the route's
   * backend resolutions; it is read again after a build, so a build that resolved something more
   * is stored under what it really used and can never be handed out for other resolutions.
   */
  rules(route: object, key: string, resolved: () => string, build: () => RouteWithKey[]): RouteWithKey[] {
    let perRoute = this.byRoute.get(route);
    if (!perRoute) {
      perRoute = new Map();
      this.byRoute.set(route, perRoute);
    }
    const entry = perRoute.get(key);
    if (entry && entry.resolved === resolved()) {
      this.hits++;
      return entry.rules;
    }
    this.misses++;
    const rules = build();
    perRoute.set(key, { resolved: resolved(), rules });
    return rules;
  }
}
