// Which Gateways the local Envoy serves: those in the last configuration it ACKed. Shared by file
// mode's Programmed (src/run/local-programmed.ts) and Kubernetes mode's per-node report
// (src/kube/node-report.ts), so both read an ACK the same way.
import type { ObjectStatus } from "./types.ts";

/** What the tracker needs of the xDS snapshot cache (src/xds/cache/cache.ts). */
export interface AckSource {
  onEvent(fn: (ev: { type: string }) => void): () => void;
  ackState(nodeId: string): { current: boolean; reason?: string };
  snapshot(): { version: string };
}

/** Gateways translate programmed in one compile, as "namespace/name@generation". */
export function programmedGateways(statuses: readonly ObjectStatus[]): string[] {
  const out: string[] = [];
  for (const s of statuses) {
    if (s.kind !== "Gateway") continue;
    const p = s.status.conditions.find((c) => c.type === "Programmed");
    if (p?.status === "True") out.push(`${s.namespace}/${s.name}@${p.observedGeneration ?? 1}`);
  }
  return out.sort();
}

export class AckedGateways {
  /** Snapshot version -> the Gateways that compile programmed (the last few versions). */
  private readonly byVersion = new Map<string, string[]>();
  /** "namespace/name@generation" of the Gateways in the configuration Envoy ACKed last. */
  acked: readonly string[] = [];
  /** Why `acked` is empty or behind; undefined when Envoy has the current configuration. */
  reason: string | undefined = "Envoy has not connected to xDS yet";

  /** After each publish: the Gateways in the snapshot `version`. */
  published(version: string, statuses: readonly ObjectStatus[]): void {
    this.byVersion.delete(version);
    this.byVersion.set(version, programmedGateways(statuses));
    // Envoy may be several versions behind while it warms; older ones than that are of no use.
    while (this.byVersion.size > 32) this.byVersion.delete(this.byVersion.keys().next().value!);
  }

  /** Re-reads the node's ACK state for the cache's current version. */
  update(source: AckSource, nodeId: string): void {
    const st = source.ackState(nodeId);
    const have = this.byVersion.get(source.snapshot().version);
    if (st.current && have) {
      this.acked = have;
      this.reason = undefined;
    } else if (!st.current && /not connected/.test(st.reason ?? "")) {
      // No Envoy stream: no Envoy we know of serves anything (not installed, crashed, starting).
      this.acked = [];
      this.reason = `Envoy is not connected to xDS (${st.reason})`;
    } else if (!st.current && /NACK/.test(st.reason ?? "")) {
      // Rejected: Envoy still serves what it ACKed last; say why the newest is not served.
      this.reason = st.reason;
    }
    // Otherwise a new version is on its way (Envoy is warming it): what it ACKed last stands.
  }
}
