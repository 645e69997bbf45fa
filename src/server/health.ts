// The verdicts behind /healthz and /readyz, as pure functions of the status snapshot, so the HTTP
// layer, /status, the metrics and `edgegate status` all agree on them. They read only the node,
// Envoy, xDS and source parts (HealthInputs), never the objects, so their cost does not grow with
// the configuration; VerdictCache computes them once per change of those inputs, not per request.
import type { ApplianceStatus, XdsClientView } from "./status-types.ts";

/** What the verdicts depend on: a few small parts of the status, not the inputs or listeners. */
export type HealthInputs = Pick<ApplianceStatus, "node" | "envoy" | "xds" | "source">;
import { formatLabels } from "./node-selector.ts";

export interface Verdict {
  ok: boolean;
  /** Why not, one short sentence each; empty when ok. */
  reasons: string[];
}

/**
 * The streams of the Envoy process edgegate supervises: same node id AND connected over the Unix
 * socket by that very process (SO_PEERCRED pid = the supervised pid). Any other local process can
 * send the node's id, but not another pid, so it cannot ACK on Envoy's behalf. Newest first.
 */
function localEnvoyStreams(s: HealthInputs): XdsClientView[] {
  // Without a supervised process (not found, backing off) health already fails on the envoy
  // reason; the streams are then reported by node id alone, as they would be seen.
  const ours = (c: XdsClientView): boolean => s.envoy.pid === undefined || (c.peerPid !== undefined && c.peerPid === s.envoy.pid);
  return s.xds.clients.filter((c) => c.nodeId === s.node.name && ours(c)).sort((a, b) => b.stream - a.stream);
}

function xdsReasons(s: HealthInputs): string[] {
  if (s.xds.snapshot.seq === 0) return ["xds: no configuration snapshot has been published yet"];
  const streams = localEnvoyStreams(s);
  const newest = streams[0];
  if (!newest) {
    const impostors = s.xds.clients.filter((c) => c.nodeId === s.node.name).length;
    if (impostors > 0 && s.envoy.pid !== undefined) {
      return [`xds: the supervised Envoy (pid ${s.envoy.pid}) is not connected; ${impostors} other stream(s) with node id "${s.node.name}" do not count`];
    }
    return [`xds: Envoy (node "${s.node.name}") is not connected to the xDS server`];
  }
  // During a reconnect an old and a new stream may overlap; either being current is enough.
  if (streams.some((c) => c.current && c.types.length > 0)) return [];
  if (newest.types.length === 0) return [`xds: Envoy (node "${s.node.name}") has not subscribed to any resource type yet`];
  return newest.types
    .filter((t) => !t.current)
    .map((t) =>
      t.rejecting && t.lastNack
        ? `xds: Envoy NACKed ${t.type} version ${t.lastNack.version}: ${t.lastNack.message}`
        : `xds: Envoy has not ACKed ${t.type} version ${t.desiredVersion} yet (ACKed: ${t.acked?.version ?? "none"})`,
    );
}

/**
 * Healthy = this node should take traffic and can: the node is selected, Envoy is ready, and Envoy
 * has ACKed the current snapshot (so it serves what edgegate computed, not an older config).
 */
export function evaluateHealth(s: HealthInputs): Verdict {
  const reasons: string[] = [];
  if (!s.node.selected) {
    reasons.push(`node: "${s.node.name}" (labels ${formatLabels(s.node.labels)}) does not match the node selector ${formatLabels(s.node.selector)}`);
  }
  if (s.envoy.phase === "not-found") reasons.push(`envoy: not found: ${s.envoy.message}`);
  else if (s.envoy.phase !== "ready") reasons.push(`envoy: ${s.envoy.phase}: ${s.envoy.message}`);
  reasons.push(...xdsReasons(s));
  return { ok: reasons.length === 0, reasons };
}

/**
 * Ready = the control plane has done its start-up work: the inputs are read and a snapshot is
 * published. Independent of Envoy, so a Kubernetes readiness probe does not restart-loop edgegate
 * over an Envoy problem that /healthz already reports to the load balancer.
 */
export function evaluateReadiness(s: HealthInputs): Verdict {
  const reasons: string[] = [];
  if (s.source.state !== "synced") reasons.push(`source: ${s.source.mode} ${s.source.state}${s.source.message ? `: ${s.source.message}` : ""}`);
  if (s.xds.snapshot.seq === 0) reasons.push("xds: no configuration snapshot has been published yet");
  return { ok: reasons.length === 0, reasons };
}

/**
 * The two verdicts, computed when their inputs change (invalidate() on every xDS event, Envoy state
 * change and compile) and at most maxAgeMs old for inputs that report no events (a source's
 * state), so /healthz answers from memory under any load and any configuration size.
 */
export class VerdictCache {
  private health: Verdict | undefined;
  private readiness: Verdict | undefined;
  private computedAt = 0;

  constructor(
    private readonly inputs: () => HealthInputs,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  invalidate(): void {
    this.health = undefined;
    this.readiness = undefined;
  }

  private fresh(): void {
    if (this.health && this.readiness && this.now() - this.computedAt < this.maxAgeMs) return;
    const i = this.inputs();
    this.health = evaluateHealth(i);
    this.readiness = evaluateReadiness(i);
    this.computedAt = this.now();
  }

  healthVerdict(): Verdict {
    this.fresh();
    return this.health!;
  }

  readinessVerdict(): Verdict {
    this.fresh();
    return this.readiness!;
  }
}
