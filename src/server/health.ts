// The verdicts behind /healthz and /readyz, as pure functions of the status snapshot, so the HTTP
// layer, /status, the metrics and `edgegate status` all agree on them.
import type { ApplianceStatus, XdsClientView } from "./status-types.ts";
import { formatLabels } from "./node-selector.ts";

export interface Verdict {
  ok: boolean;
  /** Why not, one short sentence each; empty when ok. */
  reasons: string[];
}

/** The clients that are this node's Envoy: same node id; the newest stream first. */
function localEnvoyStreams(s: ApplianceStatus): XdsClientView[] {
  return s.xds.clients.filter((c) => c.nodeId === s.node.name).sort((a, b) => b.stream - a.stream);
}

function xdsReasons(s: ApplianceStatus): string[] {
  if (s.xds.snapshot.seq === 0) return ["xds: no configuration snapshot has been published yet"];
  const streams = localEnvoyStreams(s);
  const newest = streams[0];
  if (!newest) return [`xds: Envoy (node "${s.node.name}") is not connected to the xDS server`];
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
export function evaluateHealth(s: ApplianceStatus): Verdict {
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
export function evaluateReadiness(s: ApplianceStatus): Verdict {
  const reasons: string[] = [];
  if (s.source.state !== "synced") reasons.push(`source: ${s.source.mode} ${s.source.state}${s.source.message ? `: ${s.source.message}` : ""}`);
  if (s.xds.snapshot.seq === 0) reasons.push("xds: no configuration snapshot has been published yet");
  return { ok: reasons.length === 0, reasons };
}
