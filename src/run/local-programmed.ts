// File mode's Programmed, defined by the data plane as in Kubernetes mode (src/kube/status-writer/
// programmed.ts): a Gateway translate calls Programmed is reported True only once the local Envoy
// has ACKed a configuration that contains it (at its generation); until then, or with no Envoy
// connected, Programmed=False, reason Pending, saying why. Translate's own False reasons stand.
import { AckedGateways, type AckSource } from "../object-status/acked-gateways.ts";
import { condition, type Condition, type ObjectStatus } from "../object-status/types.ts";

export class LocalProgrammed {
  private readonly tracker = new AckedGateways();

  constructor(
    private readonly cache: AckSource,
    private readonly nodeId: string,
  ) {
    cache.onEvent(() => this.tracker.update(cache, nodeId));
  }

  /** After each publish: the Gateways the now-current snapshot contains. */
  published(statuses: readonly ObjectStatus[]): void {
    this.tracker.published(this.cache.snapshot().version, statuses);
    this.tracker.update(this.cache, this.nodeId);
  }

  /** The Gateway's conditions with Programmed withheld until the data plane confirms it. */
  conditions(namespace: string, name: string, conditions: readonly Condition[]): Condition[] {
    return conditions.map((c) => {
      if (c.type !== "Programmed" || c.status !== "True") return c;
      const generation = c.observedGeneration ?? 1;
      if (this.tracker.acked.includes(`${namespace}/${name}@${generation}`)) return c;
      return condition(
        "Programmed",
        false,
        "Pending",
        `waiting for the local Envoy to ACK a configuration with this Gateway (generation ${generation}): ${this.tracker.reason ?? "not ACKed yet"}`,
        c.observedGeneration,
      );
    });
  }
}
