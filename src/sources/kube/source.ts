// Kubernetes mode as a Source: one reflector (list+watch) per resource type feeding the store (feed.ts),
// plus this node's own Node object (its labels decide whether the node serves traffic, live) and
// the selected nodes (their addresses are what Gateways report in host-network mode).
// The first onChange comes only once every type has been listed (or found missing), so the first
// snapshot is complete rather than built from whichever types happened to arrive first.
// After that, the source stays "synced" through API outages: the store holds the last complete view
// and the node goes on serving it (readiness must not drop for a control-plane outage); the watches'
// phases and the message say that the view is not current. Watch errors never trigger a recompute:
// nothing the pipeline reads has changed.
// It also reads the nodes' data-plane reports (per-node Leases, src/kube/node-report.ts), which the
// status writer turns into Programmed.
import type { Source } from "../source.ts";
import type { StoredObject } from "../../store/types.ts";
import type { Problem } from "../../validate/problems.ts";
import type { SourceStatus } from "../../server/status-types.ts";
import type { Logger } from "../../log/logger.ts";
import type { KubeClient } from "../../kube/client.ts";
import { Reflector, type ReflectorOptions, type ReflectorState } from "../../kube/reflector.ts";
import { leaseType, nodeType, watchedTypes, type ResourceType } from "../../kube/api-resources.ts";
import { ApiReachability, type ReachabilityOptions } from "../../kube/reachability.ts";
import { parseReport, reportLabel } from "../../kube/node-report.ts";
import type { NodeReport } from "../../kube/status-writer/programmed.ts";
import { isObj, type Obj } from "../../yaml/value.ts";
import { KubeFeed } from "./feed.ts";
import type { LiveObject } from "../../kube/status-writer/writer.ts";
import { nodeAddresses, selectorString } from "./nodes.ts";

export interface KubeSourceOptions {
  client: KubeClient;
  log: Logger;
  /** This node's name: its Node object is watched for labels. */
  nodeName: string;
  /** config.nodes.matchLabels: which nodes serve traffic (their addresses go into status). */
  nodeSelector: Record<string, string>;
  types?: readonly ResourceType[];
  /** Coalesces bursts of events into one onChange. */
  debounceMs?: number;
  /** start() returns after this long even if the first list is not complete (the API is down). */
  initialSyncTimeoutMs?: number;
  reflector?: Partial<Omit<ReflectorOptions, "log" | "fieldSelector" | "labelSelector" | "reachability">>;
  reachability?: ReachabilityOptions;
  /** Where the nodes' data-plane report Leases live (the Lease namespace). */
  reportNamespace: string;
}

/** /status's source section in Kubernetes mode: SourceStatus plus the watches and whatever the mode adds (lease, status writer). */
export interface KubeSourceStatus extends SourceStatus {
  watches: Array<Pick<ReflectorState, "kind" | "phase" | "apiVersion" | "resourceVersion" | "lists" | "watches" | "events" | "expired" | "errors" | "message">>;
  [extra: string]: unknown;
}

export interface NodeInfo {
  labels: Record<string, string>;
  addresses: string[];
}

export class KubeSource implements Source {
  private readonly feed = new KubeFeed();
  private readonly reflectors: Reflector[] = [];
  private ownNode: NodeInfo | undefined;
  private readonly selected = new Map<string, string[]>();
  private onChange: () => void = () => {};
  private initialDone = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the last debounced onChange ran (fire). */
  private lastFired = Number.NEGATIVE_INFINITY;
  private readonly syncWaiters: Array<() => void> = [];
  private lastSyncAt: string | undefined;
  private extra: () => Record<string, unknown> = () => ({});
  private readonly reports = new Map<string, NodeReport>();
  private lastMissing = "";
  private readonly missingKinds = new Set<string>();
  private reportsChanged: () => void = () => {};
  readonly reachability: ApiReachability;

  constructor(private readonly opts: KubeSourceOptions) {
    this.reachability = new ApiReachability(opts.client, opts.log, opts.reachability);
    const ropts = { log: opts.log, reachability: this.reachability, ...opts.reflector };
    for (const t of opts.types ?? watchedTypes) {
      this.reflectors.push(
        new Reflector(
          opts.client,
          t,
          {
            replace: (items) => this.changed(this.feed.replaceKind(t.kind, items)),
            event: (type, o) => this.changed(type === "DELETED" ? this.feed.remove(o) : this.feed.upsert(o)),
            state: () => this.stateChanged(),
          },
          ropts,
        ),
      );
    }
    this.reflectors.push(
      new Reflector(
        opts.client,
        nodeType,
        {
          replace: (items) => this.setOwnNode(items[0]),
          event: (type, o) => this.setOwnNode(type === "DELETED" ? undefined : o),
          state: () => this.stateChanged(),
        },
        { ...ropts, fieldSelector: `metadata.name=${opts.nodeName}` },
      ),
    );
    const sel = selectorString(opts.nodeSelector);
    this.reflectors.push(
      new Reflector(
        opts.client,
        nodeType,
        {
          replace: (items) => {
            this.selected.clear();
            for (const n of items) this.setSelected("ADDED", n);
            this.changed(true);
          },
          event: (type, o) => this.changed(this.setSelected(type, o)),
          state: () => this.stateChanged(),
        },
        { ...ropts, ...(sel ? { labelSelector: sel } : {}) },
      ),
    );
    this.reflectors.push(
      new Reflector(
        opts.client,
        leaseType,
        {
          replace: (items) => {
            this.reports.clear();
            for (const l of items) this.setReport("ADDED", l);
            this.reportsChanged();
          },
          event: (type, o) => {
            this.setReport(type, o);
            this.reportsChanged();
          },
          state: () => this.stateChanged(),
        },
        { ...ropts, namespace: opts.reportNamespace, labelSelector: `${reportLabel}=true` },
      ),
    );
  }

  private setReport(type: string, lease: Obj): void {
    const r = parseReport(lease);
    if (!r) return;
    if (type === "DELETED") this.reports.delete(r.node);
    else this.reports.set(r.node, r.report);
  }

  /** Each node's report of what its Envoy has ACKed (from the per-node Leases). */
  nodeReports(): ReadonlyMap<string, NodeReport> {
    return this.reports;
  }

  /** Called when a node's report changes (the status writer re-judges Programmed; nothing is recompiled). */
  onReportsChanged(fn: () => void): void {
    this.reportsChanged = fn;
  }

  async start(onChange: () => void): Promise<void> {
    this.onChange = onChange;
    for (const r of this.reflectors) r.start();
    const timeout = this.opts.initialSyncTimeoutMs ?? 60_000;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeout);
      this.syncWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
      this.stateChanged();
    });
    if (!this.initialDone)
      this.opts.log.warn("Kubernetes API: initial list not complete; starting without a configuration", { waitingFor: this.pending().join(",") });
  }

  private pending(): string[] {
    return this.reflectors.filter((r) => r.status.lists === 0 && r.status.phase !== "missing").map((r) => r.type.kind);
  }

  private stateChanged(): void {
    // After the first sync a watch's phase is only news for /status, which reads state() live;
    // a type appearing or vanishing changes the problems, which the pipeline reports.
    if (this.initialDone) {
      const missing = this.missing().join(",");
      if (missing !== this.lastMissing) this.fire(this.opts.debounceMs ?? 20);
      this.lastMissing = missing;
      return;
    }
    if (this.pending().length > 0) return;
    this.lastMissing = this.missing().join(",");
    this.initialDone = true;
    this.lastSyncAt = new Date().toISOString();
    this.opts.log.info("Kubernetes API: initial list complete", { objects: this.feed.size, missing: this.missing().join(",") || "none" });
    // The first compile happens before start() resolves, as in file mode: the appliance starts
    // serving xDS right after, and should have a complete snapshot to serve.
    this.onChange();
    for (const w of this.syncWaiters.splice(0)) w();
  }

  /**
   * Types the API server said it does not serve. Only an answer changes this: during an outage a
   * missing type's retries fail like every other call, and it stays missing.
   */
  private missing(): string[] {
    for (const r of this.reflectors) {
      if (r.status.phase === "missing") this.missingKinds.add(r.type.kind);
      else if (r.status.phase === "synced") this.missingKinds.delete(r.type.kind);
    }
    return [...this.missingKinds].sort();
  }

  private changed(yes: boolean): void {
    if (!yes) return;
    this.lastSyncAt = new Date().toISOString();
    if (this.initialDone) this.fire(this.opts.debounceMs ?? 20);
  }

  /**
   * Leading edge, then coalescing: the first change after a quiet spell is compiled at once (on
   * the next turn, so the events of one watch chunk go together), while changes that follow
   * within `ms` of a compile wait out the window and go together. A single route created among
   * 10,000 pays no debounce; `kubectl apply` of a folder still compiles a few times, not once per
   * object.
   */
  private fire(ms: number): void {
    if (this.timer) return; // one is already due: it will see this change too
    const quiet = performance.now() - this.lastFired >= ms;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.lastFired = performance.now();
        this.onChange();
      },
      quiet ? 0 : ms,
    );
  }

  private setOwnNode(o: Obj | undefined): void {
    const before = JSON.stringify(this.ownNode);
    if (!o) this.ownNode = undefined;
    else {
      const m = isObj(o.metadata) ? o.metadata : {};
      const labels: Record<string, string> = {};
      if (isObj(m.labels)) for (const [k, v] of Object.entries(m.labels)) if (typeof v === "string") labels[k] = v;
      this.ownNode = { labels, addresses: nodeAddresses(o) };
    }
    if (JSON.stringify(this.ownNode) !== before) {
      this.opts.log.info("node object changed", { node: this.opts.nodeName, labels: Object.entries(this.ownNode?.labels ?? {}).map(([k, v]) => `${k}=${v}`) });
      this.changed(true);
    }
  }

  private setSelected(type: string, o: Obj): boolean {
    const m = isObj(o.metadata) ? o.metadata : {};
    if (typeof m.name !== "string") return false;
    const before = JSON.stringify(this.selected.get(m.name));
    if (type === "DELETED") this.selected.delete(m.name);
    else this.selected.set(m.name, nodeAddresses(o));
    return JSON.stringify(this.selected.get(m.name)) !== before;
  }

  objects(): StoredObject[] {
    return this.feed.objects();
  }

  /** The object under a store key as the watch last showed it, for the status writer. */
  live(key: string): LiveObject | undefined {
    return this.feed.liveObject(key);
  }

  problems(): Problem[] {
    const missing = this.missing().map((k) => ({
      file: "(kubernetes)",
      line: 0,
      message: `${k}: not served by the API server (CRD not installed?); skipped until it appears`,
    }));
    return [...missing, ...this.feed.problems()];
  }

  /** This node's labels from its Node object; undefined until it has been read (or if it does not exist). */
  nodeLabels(): Record<string, string> | undefined {
    return this.ownNode?.labels;
  }

  /** This node's addresses from its Node object (InternalIP, ExternalIP). */
  ownAddresses(): string[] | undefined {
    return this.ownNode?.addresses;
  }

  nodeAddresses(): string[] | undefined {
    return this.ownAddresses();
  }

  /** Names of the nodes the selector matches, sorted. */
  selectedNodes(): string[] {
    return [...this.selected.keys()].sort();
  }

  /** Addresses of every node the selector matches, sorted: what Gateways report in host-network mode. */
  selectedAddresses(): string[] {
    return [...new Set([...this.selected.values()].flat())].sort();
  }

  watches(): ReflectorState[] {
    return this.reflectors.map((r) => ({ ...r.status }));
  }

  /** More plain data for /status's source section (the Lease and the status writer). */
  describeWith(extra: () => Record<string, unknown>): void {
    this.extra = extra;
  }

  state(): KubeSourceStatus {
    const errors = this.reflectors.filter((r) => r.status.phase === "error");
    const missing = this.missing();
    const notes = [
      ...(this.reachability.down ? ["Kubernetes API unreachable: serving the last known objects"] : []),
      ...errors.map((r) => `${r.type.kind}: ${r.status.message ?? "error"}`),
      ...(missing.length ? [`not installed: ${missing.join(", ")}`] : []),
    ];
    return {
      mode: "kubernetes",
      // Once complete, the view stays in force through outages: "synced" with a message, so
      // readiness holds while the node serves the last known configuration.
      state: !this.initialDone ? "starting" : "synced",
      message: notes.length ? notes.join("; ") : undefined,
      lastSyncAt: this.lastSyncAt,
      objects: this.feed.size,
      watches: this.reflectors.map(({ status: w }) => ({
        kind: w.kind + (w.kind === "Node" && w === this.reflectors.at(-1)?.status ? " (selected)" : ""),
        phase: w.phase,
        apiVersion: w.apiVersion,
        resourceVersion: w.resourceVersion,
        lists: w.lists,
        watches: w.watches,
        events: w.events,
        expired: w.expired,
        errors: w.errors,
        message: w.message,
      })),
      ...this.extra(),
    };
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.reachability.stop();
    await Promise.all(this.reflectors.map((r) => r.stop()));
  }
}
