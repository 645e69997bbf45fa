// Programmed, defined by the data plane: a Gateway is Programmed only once the Envoy of at least one
// selected node has ACKed a configuration that contains it (at its current generation). Each node
// reports what its own Envoy has ACKed in a per-node Lease (src/kube/node-report.ts); the status
// writer reads those reports through this view. Translate's Programmed=False reasons always stand:
// this only withholds a True the data plane has not confirmed.
export interface NodeReport {
  /** "namespace/name@generation" of each Gateway in the configuration this node's Envoy ACKed. */
  gateways: ReadonlySet<string>;
  /** Why the set is empty or behind, in words ("Envoy is not connected to xDS"). */
  reason?: string;
}

export interface DataPlaneView {
  /** Names of the selected nodes, sorted. */
  selectedNodes: readonly string[];
  /** The reports of selected nodes that have one. */
  reports: ReadonlyMap<string, NodeReport>;
  /** config.nodes.matchLabels, for messages. */
  selector: string;
}

export type ProgrammedVerdict = { ok: true } | { ok: false; reason: "Pending" | "NoResources"; message: string };

/** Keeps messages short with many nodes: the first few, then a count. */
const shown = 5;

export function dataPlaneProgrammed(
  gateway: string,
  generation: number,
  ctx: { dataPlane?: DataPlaneView; addresses?: { selectedNodes: readonly string[] } },
  addressCount: number,
): ProgrammedVerdict {
  const nodes = ctx.dataPlane?.selectedNodes ?? ctx.addresses?.selectedNodes;
  if (nodes && nodes.length === 0) {
    const sel = ctx.dataPlane?.selector;
    return { ok: false, reason: "NoResources", message: `no node matches the node selector${sel ? ` (${sel})` : ""}: no node serves this Gateway` };
  }
  if (ctx.addresses && addressCount === 0)
    return { ok: false, reason: "NoResources", message: "the selected nodes report no InternalIP or ExternalIP address" };
  const dp = ctx.dataPlane;
  if (!dp) return { ok: true };
  const want = `${gateway}@${generation}`;
  const serving = dp.selectedNodes.filter((n) => dp.reports.get(n)?.gateways.has(want));
  if (serving.length > 0) return { ok: true };
  const why = dp.selectedNodes.slice(0, shown).map((n) => {
    const r = dp.reports.get(n);
    return `${n}: ${!r ? "no report yet (edgegate not running there?)" : (r.reason ?? "its Envoy has not ACKed this generation yet")}`;
  });
  if (dp.selectedNodes.length > shown) why.push(`and ${dp.selectedNodes.length - shown} more`);
  return {
    ok: false,
    reason: "Pending",
    message: `waiting for a selected node's Envoy to ACK a configuration with this Gateway (generation ${generation}): ${why.join("; ")}`,
  };
}
