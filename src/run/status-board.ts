// Assembles /status from the parts the appliance owns. Plain data, rebuilt per /status request from
// the latest values each part reports. /healthz and /readyz do not rebuild it: they read verdicts
// kept in a VerdictCache, recomputed from the small health inputs when those change.
import type { LocalProgrammed } from "./local-programmed.ts";
import type { EnvoyState } from "../envoy/state.ts";
import type {
  ApplianceStatus,
  InputObjectStatus,
  InputProblem,
  ListenerView,
  NodeStatus,
  SourceStatus,
  StatusProvider,
  XdsView,
} from "../server/status-types.ts";
import { VerdictCache, type HealthInputs, type Verdict } from "../server/health.ts";
import type { CompileResult } from "../pipeline/compile.ts";
import { formatObject, type Problem } from "../validate/problems.ts";
import type { Condition, ListenerStatus, ObjectStatus } from "../object-status/types.ts";
import { version } from "../version.ts";
import type { Snapshot } from "../xds/cache/snapshot.ts";
import { refKey, type StoredObject } from "../store/types.ts";
import { originLabel } from "../ir/origin.ts";

export interface StatusParts {
  /** This node's name, labels and selection as the appliance knows them now (src/run/node-state.ts). */
  node(): NodeStatus;
  envoy(): EnvoyState;
  xds(): XdsView;
  datapath(): { [key: string]: unknown };
}

const listenerParts = (ls: readonly ListenerStatus[]): Array<{ name: string; conditions: Condition[] }> =>
  ls.map((l) => ({ name: `listener ${l.name} (${l.attachedRoutes} routes)`, conditions: l.conditions }));

// Route parents and policy ancestors: one part per referenced object.
const refParts = (
  label: string,
  ns: string,
  refs: Array<{ ref: { namespace?: string; name: string; sectionName?: string }; conditions: Condition[] }>,
): Array<{ name: string; conditions: Condition[] }> =>
  refs.map(({ ref, conditions }) => ({ name: `${label} ${ref.namespace ?? ns}/${ref.name}${ref.sectionName ? `/${ref.sectionName}` : ""}`, conditions }));

function objectStatus(s: ObjectStatus, generation: number | undefined): InputObjectStatus {
  if (s.kind === "GatewayClass") return { kind: s.kind, name: s.name, generation, conditions: s.status.conditions };
  // Every namespaced kind: the same head, then its own conditions and parts.
  const head = { kind: s.kind, namespace: s.namespace, name: s.name, generation };
  switch (s.kind) {
    case "Gateway":
    case "ListenerSet":
      return { ...head, conditions: s.status.conditions, parts: listenerParts(s.status.listeners) };
    case "Ingress":
      return { ...head, conditions: [] };
    case "BackendTLSPolicy":
    case "GatewayNetworkPolicy":
      return {
        ...head,
        conditions: [],
        parts: refParts(
          "ancestor",
          s.namespace,
          s.status.ancestors.map((a) => ({ ref: a.ancestorRef, conditions: a.conditions })),
        ),
      };
    default:
      return {
        ...head,
        conditions: [],
        parts: refParts(
          "parent",
          s.namespace,
          s.status.parents.map((p) => ({ ref: p.parentRef, conditions: p.conditions })),
        ),
      };
  }
}

export class ApplianceStatusBoard implements StatusProvider {
  private readonly startedAt = new Date().toISOString();
  private result: CompileResult | undefined;
  /** The objects in force at the last compile; what /status derives from them is built on request. */
  private objects: readonly StoredObject[] = [];
  private derived: { generations: Map<string, number>; counts: Record<string, number> } | undefined;
  private problems: Problem[] = [];
  /** Set by the appliance once its source exists; read live on every request. */
  liveSource: (() => SourceStatus) | undefined;
  /** A translation failure overrides the source's own state until the next good compile. */
  failure: string | undefined;
  /** Set by the appliance once its xDS cache exists: the configuration in force (/config_dump). */
  xdsSnapshot: (() => Snapshot) | undefined;
  private readonly startingSource: SourceStatus;
  // Recomputed at least every 250 ms (the health thread's heartbeat): inputs such as the source's
  // state change without an invalidate(); their cost does not grow with the configuration.
  private readonly verdictCache = new VerdictCache(() => this.healthInputs(), 250);

  constructor(
    private readonly parts: StatusParts,
    mode: SourceStatus["mode"],
  ) {
    this.startingSource = { mode, state: "starting", objects: 0 };
    this.liveSource = undefined;
    this.failure = undefined;
    this.xdsSnapshot = undefined;
  }

  /** Something /healthz or /readyz depends on changed (an xDS event, Envoy's state, a compile). */
  private readonly invalidated: Array<() => void> = [];
  private notifying = false;

  invalidate(): void {
    this.verdictCache.invalidate();
    // After the caller's own update is complete (update() invalidates first, then sets the result).
    if (this.notifying || this.invalidated.length === 0) return;
    this.notifying = true;
    queueMicrotask(() => {
      this.notifying = false;
      for (const l of this.invalidated) l();
    });
  }

  onInvalidate(listener: () => void): void {
    this.invalidated.push(listener);
  }

  verdicts(): { health: Verdict; readiness: Verdict } {
    return { health: this.verdictCache.healthVerdict(), readiness: this.verdictCache.readinessVerdict() };
  }

  /** The parts of the status the verdicts read: independent of how many objects are loaded. */
  healthInputs(): HealthInputs {
    const { name, labels, selector, selected } = this.parts.node();
    return {
      node: { name, labels, selector, selected },
      envoy: this.parts.envoy(),
      xds: this.parts.xds(),
      source: this.sourceStatus(),
    };
  }

  update(result: CompileResult, objects: readonly StoredObject[], problems: Problem[]): void {
    this.invalidate();
    this.result = result;
    this.objects = objects;
    this.derived = undefined;
    this.problems = problems;
  }

  /** Generations and counts by kind: read by /status only, so not built on every compile (10,000 objects). */
  private inputsIndex(): { generations: Map<string, number>; counts: Record<string, number> } {
    if (this.derived) return this.derived;
    const generations = new Map<string, number>();
    const counts: Record<string, number> = {};
    for (const o of this.objects) {
      generations.set(o.key, o.object.metadata.generation ?? 1);
      counts[o.ref.kind] = (counts[o.ref.kind] ?? 0) + 1;
    }
    this.derived = { generations, counts };
    return this.derived;
  }

  /** The IR of the last good compile, for the dashboard's topology. */
  ir(): CompileResult["ir"] | undefined {
    return this.result?.ir;
  }

  private sourceStatus(): SourceStatus {
    const s = this.liveSource?.() ?? this.startingSource;
    return this.failure ? { ...s, state: "error", message: this.failure } : s;
  }

  /** File mode: Programmed as the local Envoy confirms it (local-programmed.ts); unset in Kubernetes mode, whose writer decides. */
  localProgrammed: LocalProgrammed | undefined;

  private withDataPlane(s: ObjectStatus): ObjectStatus {
    if (s.kind !== "Gateway" || !this.localProgrammed) return s;
    return { ...s, status: { ...s.status, conditions: this.localProgrammed.conditions(s.namespace, s.name, s.status.conditions) } };
  }

  snapshot(): ApplianceStatus {
    const r = this.result;
    const listeners: ListenerView[] = (r?.ir.listeners ?? []).map((l) => ({
      name: l.name,
      address: l.address,
      port: l.port,
      protocol: l.http ? "HTTP" : l.tls.some((t) => t.http) ? "HTTPS" : "TLS",
      from: l.origins.map(originLabel).join(", "),
      hostnames: l.tls.flatMap((t) => t.serverNames),
    }));
    const h = this.healthInputs();
    const index = this.inputsIndex();
    const problems: InputProblem[] = this.problems.map((p) => ({
      file: p.file,
      line: p.line,
      object: p.object ? formatObject(p.object) : undefined,
      path: p.path,
      message: p.message,
    }));
    return {
      version,
      startedAt: this.startedAt,
      node: h.node,
      envoy: h.envoy,
      xds: h.xds,
      inputs: {
        objects: (r?.status ?? []).map((raw) => {
          const s = this.withDataPlane(raw);
          return { ...objectStatus(s, index.generations.get(refKey(s))), status: s.status };
        }),
        problems,
        counts: index.counts,
      },
      listeners,
      datapath: this.parts.datapath(),
      source: h.source,
    };
  }
}
