// A scripted client that behaves the way Envoy documents its xDS client, driven in process against
// the snapshot cache (no sockets, fully deterministic), in state of the world or delta. No Envoy
// can be installed here; this holds what edgegate's ordering must satisfy for one:
//   - LDS and CDS by wildcard; RDS and EDS by name, subscribed as listeners and clusters need them.
//   - A Listener carrying an api_listener is rejected (Envoy's LDS refuses API listeners).
//   - Cluster warming: a new or changed EDS cluster is not used until its ClusterLoadAssignment
//     arrives (an updated one keeps serving its previous version meanwhile). On a CDS response the
//     client asks for the endpoints it now needs before it ACKs the clusters.
//   - Listener warming: a new or changed listener serves only once its RouteConfiguration arrived;
//     the previous version keeps serving meanwhile. A RouteConfiguration update applies at once.
//   - A removed listener stops serving; a removed cluster is gone at once.
// After every response it checks what traffic would see: every serving listener's routes lead to
// clusters that exist and are warm. Each breach is recorded as a violation, with the step.
import { create, fromBinary } from "@bufbuild/protobuf";
import type { Any } from "@bufbuild/protobuf/wkt";
import {
  DeltaDiscoveryRequestSchema,
  DiscoveryRequestSchema,
  type DeltaDiscoveryResponse,
  type DiscoveryResponse,
} from "../../src/gen/envoy/service/discovery/v3/discovery_pb.ts";
import { ListenerSchema } from "../../src/gen/envoy/config/listener/v3/listener_pb.ts";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../src/gen/envoy/config/route/v3/route_pb.ts";
import { ClusterSchema, Cluster_DiscoveryType } from "../../src/gen/envoy/config/cluster/v3/cluster_pb.ts";
import { ClusterLoadAssignmentSchema } from "../../src/gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { HttpConnectionManagerSchema } from "../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import type { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { TypeUrl } from "../../src/xds/resources.ts";
import { listenerRefs, routeConfigRefs } from "../../src/xds/cache/refs.ts";
import { InvalidBackendCluster } from "../../src/xds/emit/routes.ts";

interface ListenerState {
  rc?: string;
  tcp: readonly string[];
}
interface ClusterState {
  eds: boolean;
  version: string;
}
type Response = { typeUrl: string; nonce: string; resources: Array<{ name: string; any: Any }>; removed: string[]; full: boolean; version: string };

export interface EnvoyLikeOptions {
  /** Reject a RouteConfiguration (NACK the response) when this returns a reason. */
  rejectRoute?: (rc: RouteConfiguration) => string | undefined;
}

export class EnvoyLike {
  readonly violations: string[] = [];
  readonly log: string[] = [];
  step = "connect";
  private readonly queue: Response[] = [];
  private readonly clusters = new Map<string, { active?: ClusterState; warming?: ClusterState }>();
  private readonly endpoints = new Set<string>();
  private readonly listeners = new Map<string, { active?: ListenerState; warming?: ListenerState; version: string }>();
  private readonly routes = new Map<string, readonly string[]>();
  private edsNames = new Set<string>();
  private rdsNames = new Set<string>();
  private readonly request: (
    typeUrl: string,
    o: { names?: string[]; nonce?: string; version?: string; error?: string; subscribe?: string[]; unsubscribe?: string[] },
  ) => void;

  constructor(
    cache: SnapshotCache,
    readonly mode: "sotw" | "delta",
    node: string,
    private readonly opts: EnvoyLikeOptions = {},
  ) {
    if (mode === "sotw") {
      const s = cache.openSotw({ address: "envoy-like" }, (r: DiscoveryResponse) =>
        this.queue.push({
          typeUrl: r.typeUrl,
          nonce: r.nonce,
          version: r.versionInfo,
          resources: r.resources.map((any) => ({ name: "", any })),
          removed: [],
          full: true,
        }),
      );
      let first = true;
      this.request = (typeUrl, o) => {
        s.onRequest(
          create(DiscoveryRequestSchema, {
            node: first ? { id: node } : undefined,
            typeUrl,
            resourceNames: o.names ?? [],
            responseNonce: o.nonce ?? "",
            versionInfo: o.version ?? "",
            errorDetail: o.error ? { code: 3, message: o.error } : undefined,
          }),
        );
        first = false;
      };
    } else {
      const s = cache.openDelta({ address: "envoy-like" }, (r: DeltaDiscoveryResponse) =>
        this.queue.push({
          typeUrl: r.typeUrl,
          nonce: r.nonce,
          version: r.systemVersionInfo,
          resources: r.resources.map((x) => ({ name: x.name, any: x.resource! })),
          removed: [...r.removedResources],
          full: false,
        }),
      );
      let first = true;
      this.request = (typeUrl, o) => {
        s.onRequest(
          create(DeltaDiscoveryRequestSchema, {
            node: first ? { id: node } : undefined,
            typeUrl,
            responseNonce: o.nonce ?? "",
            resourceNamesSubscribe: o.subscribe ?? [],
            resourceNamesUnsubscribe: o.unsubscribe ?? [],
            errorDetail: o.error ? { code: 3, message: o.error } : undefined,
          }),
        );
        first = false;
      };
    }
    this.request(TypeUrl.cluster, {});
    this.request(TypeUrl.listener, {});
    this.drain();
  }

  /** Processes every response received so far, and those its own requests bring. */
  drain(step?: string): void {
    if (step) this.step = step;
    for (let r = this.queue.shift(); r; r = this.queue.shift()) this.handle(r);
  }

  hasCluster(name: string): boolean {
    return this.clusters.has(name);
  }

  /** Clusters this client would route to, by listener: for assertions. */
  serving(): Map<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    for (const [name, l] of this.listeners) if (l.active) out.set(name, this.refsOf(l.active));
    return out;
  }

  private handle(r: Response): void {
    const short = r.typeUrl.split(".").at(-1)!;
    this.log.push(`${this.step}: ${short} +${r.resources.length} -${r.removed.length}`);
    let error: string | undefined;
    if (r.typeUrl === TypeUrl.cluster) this.onClusters(r);
    else if (r.typeUrl === TypeUrl.endpoint) this.onEndpoints(r);
    else if (r.typeUrl === TypeUrl.listener) error = this.onListeners(r);
    else if (r.typeUrl === TypeUrl.route) error = this.onRoutes(r);
    this.answer(r, error);
    this.check(`after ${short}`);
  }

  private answer(r: Response, error?: string): void {
    if (error) this.log.push(`${this.step}: NACK ${error}`);
    const names = r.typeUrl === TypeUrl.endpoint ? [...this.edsNames] : r.typeUrl === TypeUrl.route ? [...this.rdsNames] : [];
    this.request(r.typeUrl, { names, nonce: r.nonce, version: error ? "" : r.version, error });
  }

  private onClusters(r: Response): void {
    const incoming = new Map(
      r.resources.map((x) => {
        const c = fromBinary(ClusterSchema, x.any.value);
        return [
          c.name,
          { eds: c.clusterDiscoveryType.case === "type" && c.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS, version: hashOf(x.any) },
        ] as const;
      }),
    );
    const gone = r.full ? [...this.clusters.keys()].filter((n) => !incoming.has(n)) : r.removed;
    for (const n of gone) {
      this.clusters.delete(n);
      this.endpoints.delete(n);
    }
    for (const [name, st] of incoming) {
      const cur = this.clusters.get(name) ?? {};
      if (cur.active?.version === st.version) continue;
      // Warming: a cluster without endpoints yet is not used; the previous version keeps serving.
      if (st.eds && !this.endpoints.has(name)) cur.warming = st;
      else {
        cur.active = st;
        cur.warming = undefined;
      }
      this.clusters.set(name, cur);
    }
    this.check("after CDS removals");
    const want = new Set([...this.clusters].filter(([, c]) => (c.active ?? c.warming)?.eds).map(([n]) => n));
    this.resubscribe(TypeUrl.endpoint, this.edsNames, want);
    this.edsNames = want;
  }

  private onEndpoints(r: Response): void {
    for (const x of r.resources) {
      const cla = fromBinary(ClusterLoadAssignmentSchema, x.any.value);
      this.endpoints.add(cla.clusterName);
      const c = this.clusters.get(cla.clusterName);
      if (c?.warming) {
        c.active = c.warming;
        c.warming = undefined;
      }
    }
    for (const n of r.removed) this.endpoints.delete(n);
  }

  private onListeners(r: Response): string | undefined {
    const incoming = new Map<string, { st: ListenerState; version: string }>();
    for (const x of r.resources) {
      const l = fromBinary(ListenerSchema, x.any.value);
      if (l.apiListener) {
        this.violations.push(`${this.step}: Listener ${l.name} with an api_listener sent to Envoy's LDS`);
        return `Listener ${l.name}: api_listener is not supported by Envoy's LDS`;
      }
      let rc: string | undefined;
      for (const fc of l.filterChains)
        for (const f of fc.filters) {
          if (f.configType.case === "typedConfig" && f.configType.value.typeUrl.endsWith("HttpConnectionManager")) {
            const hcm = fromBinary(HttpConnectionManagerSchema, f.configType.value.value);
            if (hcm.routeSpecifier.case === "rds") rc = hcm.routeSpecifier.value.routeConfigName;
          }
        }
      incoming.set(l.name, { st: { rc, tcp: listenerRefs(l) }, version: hashOf(x.any) });
    }
    const gone = r.full ? [...this.listeners.keys()].filter((n) => !incoming.has(n)) : r.removed;
    for (const n of gone) this.listeners.delete(n);
    for (const [name, { st, version }] of incoming) {
      const cur = this.listeners.get(name) ?? { version: "" };
      if (cur.version === version) continue;
      cur.version = version;
      if (st.rc && !this.routes.has(st.rc)) cur.warming = st;
      else {
        cur.active = st;
        cur.warming = undefined;
      }
      this.listeners.set(name, cur);
    }
    const want = new Set([...this.listeners.values()].flatMap((l) => [l.active?.rc, l.warming?.rc]).filter((x): x is string => x !== undefined));
    this.resubscribe(TypeUrl.route, this.rdsNames, want);
    this.rdsNames = want;
    return undefined;
  }

  private onRoutes(r: Response): string | undefined {
    const parsed = r.resources.map((x) => fromBinary(RouteConfigurationSchema, x.any.value));
    for (const rc of parsed) {
      const reason = this.opts.rejectRoute?.(rc);
      if (reason) return `RouteConfiguration ${rc.name}: ${reason}`;
    }
    for (const rc of parsed) this.routes.set(rc.name, routeConfigRefs(rc));
    for (const n of r.removed) this.routes.delete(n);
    for (const l of this.listeners.values()) {
      if (l.warming?.rc && this.routes.has(l.warming.rc)) {
        l.active = l.warming;
        l.warming = undefined;
      }
    }
    return undefined;
  }

  private resubscribe(typeUrl: string, had: ReadonlySet<string>, want: ReadonlySet<string>): void {
    const add = [...want].filter((n) => !had.has(n));
    const drop = [...had].filter((n) => !want.has(n));
    if (add.length === 0 && drop.length === 0) return;
    if (this.mode === "sotw") this.request(typeUrl, { names: [...want] });
    else this.request(typeUrl, { subscribe: add, unsubscribe: drop });
  }

  private refsOf(l: ListenerState): readonly string[] {
    return [...(l.rc ? (this.routes.get(l.rc) ?? []) : []), ...l.tcp];
  }

  /** What traffic would hit right now: a serving listener whose routes lead nowhere is a breach. */
  private check(when: string): void {
    for (const [name, l] of this.listeners) {
      if (!l.active) continue;
      if (l.active.rc && !this.routes.has(l.active.rc))
        this.violations.push(`${this.step} (${when}): listener ${name} serves without RouteConfiguration ${l.active.rc}`);
      for (const c of this.refsOf(l.active)) {
        if (c === InvalidBackendCluster) continue;
        const st = this.clusters.get(c);
        if (!st) this.violations.push(`${this.step} (${when}): listener ${name} routes to cluster ${c}, which the client does not have`);
        else if (!st.active) this.violations.push(`${this.step} (${when}): listener ${name} routes to cluster ${c}, still warming`);
      }
    }
  }
}

function hashOf(any: Any): string {
  return String(Bun.hash(any.value));
}
