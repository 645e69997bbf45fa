// File mode's Programmed, defined by the data plane as in Kubernetes mode (src/kube/status/
// programmed.ts): a Gateway translate calls Programmed is reported True only once the local Envoy
// has ACKed a configuration that contains it (at its generation); until then, or with no Envoy
// connected, Programmed=False, reason Pending, saying why. Translate's own False reasons stand.
import { programmedGateways, type AckSource } from "../kube/node-report.ts";
import { condition, type Condition, type ObjectStatus } from "../status/types.ts";

export class LocalProgrammed {
  /** Snapshot version -> the Gateways that compile programmed (the last few versions). */
  private readonly byVersion = new Map<string, ReadonlySet<string>>();
  private acked: ReadonlySet<string> = new Set();
  private reason = "Envoy has not connected to xDS yet";

  constructor(
    private readonly cache: AckSource,
    private readonly nodeId: string,
  ) {
    cache.onEvent(() => this.evaluate());
  }

  /** After each publish: the Gateways the now-current snapshot contains. */
  published(statuses: readonly ObjectStatus[]): void {
    const version = this.cache.snapshot().version;
    this.byVersion.delete(version);
    this.byVersion.set(version, new Set(programmedGateways(statuses)));
    // Envoy may be a few versions behind while it warms; older ones are of no use.
    while (this.byVersion.size > 32) this.byVersion.delete(this.byVersion.keys().next().value!);
    this.evaluate();
  }

  private evaluate(): void {
    const st = this.cache.ackState(this.nodeId);
    const have = this.byVersion.get(this.cache.snapshot().version);
    if (st.current && have) {
      this.acked = have;
      this.reason = "";
    } else if (!st.current && /not connected/.test(st.reason ?? "")) {
      this.acked = new Set();
      this.reason = `Envoy is not connected to xDS (${st.reason})`;
    } else if (!st.current) {
      // A NACK or a version on its way: Envoy keeps serving what it ACKed last.
      this.reason = st.reason ?? "waiting for Envoy's ACK";
    }
  }

  /** The Gateway's conditions with Programmed withheld until the data plane confirms it. */
  conditions(namespace: string, name: string, conditions: readonly Condition[]): Condition[] {
    return conditions.map((c) => {
      if (c.type !== "Programmed" || c.status !== "True") return c;
      const generation = c.observedGeneration ?? 1;
      if (this.acked.has(`${namespace}/${name}@${generation}`)) return c;
      return condition("Programmed", false, "Pending", `waiting for the local Envoy to ACK a configuration with this Gateway (generation ${generation}): ${this.reason || "not ACKed yet"}`, c.observedGeneration);
    });
  }
}
