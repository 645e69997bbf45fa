// What this node is while the appliance runs: its labels and addresses, first as configured and,
// in Kubernetes mode, as its Node object says (live), and whether the node selector selects it.
// Kept here so the configuration stays exactly as loaded: translation receives the addresses as
// an input, /status and /healthz read the labels and the selection from this object.
import type { ApplianceConfig } from "../config/types.ts";
import { matchesSelector } from "../server/node-selector.ts";
import type { NodeStatus } from "../server/status-types.ts";
import type { Source } from "../sources/source.ts";

export interface NodeFacts extends Readonly<NodeStatus> {
  readonly labels: Readonly<Record<string, string>>;
  /** Reported in Gateway and Ingress status and steered in host-network mode. */
  readonly addresses: readonly string[];
}

/** The part of a source that watches this node's Node object (Kubernetes mode; files have none). */
export type NodeObserver = Pick<Source, "nodeLabels" | "nodeAddresses">;

function facts(config: ApplianceConfig, labels: Readonly<Record<string, string>>, addresses: readonly string[]): NodeFacts {
  const selector = config.nodes.matchLabels;
  return { name: config.node.name, labels, addresses, selector, selected: matchesSelector(labels, selector) };
}

export class NodeState {
  private facts: NodeFacts;

  constructor(private readonly config: ApplianceConfig) {
    this.facts = facts(config, config.node.labels, config.node.addresses);
  }

  current(): NodeFacts {
    return this.facts;
  }

  /**
   * Takes what the source knows of the Node object now. Its labels replace the configured ones
   * (the selection follows them); its addresses are used only when none are configured, so an
   * operator can pin the addresses reported in status. What the source does not know yet (no
   * Node object seen) leaves the last values in force.
   */
  refresh(from: NodeObserver): NodeFacts {
    const labels = from.nodeLabels?.() ?? this.facts.labels;
    const live = from.nodeAddresses?.();
    const addresses = this.config.node.addresses.length === 0 && live ? live : this.facts.addresses;
    if (labels !== this.facts.labels || addresses !== this.facts.addresses) this.facts = facts(this.config, labels, addresses);
    return this.facts;
  }
}
