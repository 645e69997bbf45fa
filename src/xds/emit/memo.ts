// Remembers emitted VirtualHost messages across compiles. The translate memo hands back the same
// IrRoute objects for unchanged routes, so a virtual host whose routes are the same objects in the
// same order emits to the same message object; the snapshot cache then reuses its encoding
// (reuseByIdentity) instead of encoding 40,000 routes again for a one-route change.
import type { Message } from "@bufbuild/protobuf";
import type { Listener } from "../../gen/envoy/config/listener/v3/listener_pb.ts";
import type { Route, VirtualHost } from "../../gen/envoy/config/route/v3/route_components_pb.ts";
import type { RouteConfiguration } from "../../gen/envoy/config/route/v3/route_pb.ts";
import type { IrListener, IrRoute, IrRouteConfig, IrVirtualHost } from "../../ir/types.ts";

/** What one IrRouteConfig emitted to, and the memo entries it used (carried into compiles that reuse it). */
interface RouteConfigEntry {
  msg: RouteConfiguration;
  configKey: string;
  config: { vhosts: readonly VirtualHost[]; msg: RouteConfiguration };
  vhosts: Array<[string, VirtualHost]>;
}

export class EmitMemo {
  private readonly ids = new WeakMap<IrRoute, number>();
  /** The route-id part of a virtual host's key, per route list (the translate memo's list while its hostname is unchanged). */
  private readonly listKeys = new WeakMap<readonly IrRoute[], string>();
  private readonly contentKeys = new WeakMap<object, Map<string, string>>();
  /** Route messages by IrRoute, for Envoy [0] and proxyless gRPC [1] (they differ). */
  private readonly routes = new WeakMap<IrRoute, [Route | undefined, Route | undefined]>();
  private nextId = 1;
  private current = new Map<string, VirtualHost>();
  private previous = new Map<string, VirtualHost>();
  private currentConfigs = new Map<string, { vhosts: readonly VirtualHost[]; msg: RouteConfiguration }>();
  private previousConfigs = new Map<string, { vhosts: readonly VirtualHost[]; msg: RouteConfiguration }>();
  private currentByContent = new Map<string, Message>();
  private previousByContent = new Map<string, Message>();
  /**
   * By IR object: the translate memo hands back the very same IrRouteConfig and IrListener objects
   * for a Gateway whose routes did not change (gateway/memo.ts gatewayIr), and IR values are never
   * changed once built. [0] Envoy, [1] proxyless.
   */
  private readonly byRouteConfig = new WeakMap<IrRouteConfig, [RouteConfigEntry | undefined, RouteConfigEntry | undefined]>();
  private readonly byListener = new WeakMap<IrListener, { options: string; rcs: ReadonlyArray<IrRouteConfig | undefined>; msg: Listener }>();
  /** While one route configuration is emitted: the virtual host entries it used. */
  private collecting: Array<[string, VirtualHost]> | undefined;

  /** Starts a compile: what was used last time stays available, what was not is dropped. */
  begin(): void {
    this.previous = this.current;
    this.current = new Map();
    this.previousConfigs = this.currentConfigs;
    this.currentConfigs = new Map();
    this.previousByContent = this.currentByContent;
    this.currentByContent = new Map();
  }

  /**
   * Ends a compile: the previous generation is only needed while one runs. Kept past it, it would
   * hold every message of a configuration that is gone (after 100k routes are removed, all of
   * them) until the next compile.
   */
  end(): void {
    this.previous = new Map();
    this.previousConfigs = new Map();
    this.previousByContent = new Map();
  }

  /**
   * The message for a small IR value (a cluster, its endpoints), reused while the value's content
   * is unchanged: clusters are rebuilt by every translation, so identity cannot be the key.
   */
  byContent<M extends Message>(kind: string, value: object, build: () => M): M {
    // IR values are never changed once built, and the world's clusters are the same objects from
    // compile to compile while it is unchanged (translate/world.ts): their key is built once.
    let keys = this.contentKeys.get(value);
    if (!keys) {
      keys = new Map();
      this.contentKeys.set(value, keys);
    }
    let key = keys.get(kind);
    if (key === undefined) {
      key = `${kind}|${JSON.stringify(value)}`;
      keys.set(kind, key);
    }
    const msg = (this.currentByContent.get(key) ?? this.previousByContent.get(key) ?? build()) as M;
    this.currentByContent.set(key, msg);
    return msg;
  }

  private id(r: IrRoute): number {
    let id = this.ids.get(r);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(r, id);
    }
    return id;
  }

  /**
   * A RouteConfiguration whose virtual hosts are the very same messages as last time is the very
   * same message: the snapshot then reuses its encoding and hash whole (a change on one hostname
   * does not copy the other route configurations' megabytes again).
   */
  routeConfig(name: string, proxyless: boolean, vhosts: readonly VirtualHost[], build: () => RouteConfiguration): RouteConfiguration {
    const key = `${proxyless ? 1 : 0}|${name}`;
    const prev = this.currentConfigs.get(key) ?? this.previousConfigs.get(key);
    const same = prev !== undefined && prev.vhosts.length === vhosts.length && prev.vhosts.every((v, i) => v === vhosts[i]);
    const entry = same ? prev : { vhosts, msg: build() };
    this.currentConfigs.set(key, entry);
    return entry.msg;
  }

  /** The message of an IrRoute: IrRoutes are never changed once built, and unchanged routes keep theirs (gateway/memo.ts). */
  route(r: IrRoute, proxyless: boolean, build: () => Route): Route {
    let pair = this.routes.get(r);
    if (!pair) {
      pair = [undefined, undefined];
      this.routes.set(r, pair);
    }
    const i = proxyless ? 1 : 0;
    return (pair[i] ??= build());
  }

  virtualHost(vh: IrVirtualHost, proxyless: boolean, build: () => VirtualHost): VirtualHost {
    let ids = this.listKeys.get(vh.routes);
    if (ids === undefined) {
      ids = vh.routes.map((r) => this.id(r)).join(",");
      this.listKeys.set(vh.routes, ids);
    }
    const key = `${proxyless ? 1 : 0}|${vh.name}|${vh.domains.join(",")}|${ids}`;
    const msg = this.current.get(key) ?? this.previous.get(key) ?? build();
    this.current.set(key, msg);
    this.collecting?.push([key, msg]);
    return msg;
  }

  /**
   * The message of an IrRouteConfig emitted before (the same object), its virtual host and
   * configuration entries carried into this compile so that a later change to one of its hosts
   * still finds the others; or the one `build` makes now, remembered.
   */
  routeConfigOf(rc: IrRouteConfig, proxyless: boolean, build: () => RouteConfiguration): RouteConfiguration {
    const i = proxyless ? 1 : 0;
    const pair = this.byRouteConfig.get(rc);
    const hit = pair?.[i];
    if (hit) {
      for (const [k, v] of hit.vhosts) this.current.set(k, v);
      this.currentConfigs.set(hit.configKey, hit.config);
      return hit.msg;
    }
    this.collecting = [];
    try {
      const msg = build();
      const configKey = `${i}|${rc.name}`;
      const config = this.currentConfigs.get(configKey);
      if (config?.msg === msg) {
        const entry: RouteConfigEntry = { msg, configKey, config, vhosts: this.collecting };
        if (pair) pair[i] = entry;
        else this.byRouteConfig.set(rc, proxyless ? [undefined, entry] : [entry, undefined]);
      }
      return msg;
    } finally {
      this.collecting = undefined;
    }
  }

  /**
   * A Listener message from the same IrListener, emit options and route configurations (it reads
   * theirs for CORS) as last time is the same message.
   */
  listener(l: IrListener, options: string, rcs: ReadonlyArray<IrRouteConfig | undefined>, build: () => Listener): Listener {
    const e = this.byListener.get(l);
    if (e && e.options === options && e.rcs.length === rcs.length && e.rcs.every((r, i) => r === rcs[i])) return e.msg;
    const msg = build();
    this.byListener.set(l, { options, rcs, msg });
    return msg;
  }
}
