// How a node tells the status writer what its Envoy serves: a per-node Lease
// (coordination.k8s.io/v1, "edgegate-node-<node>" in the Lease namespace, label
// edgegate.io/node-report=true), like the kubelet's node heartbeat Leases. Its annotation
// edgegate.io/programmed-gateways lists, as JSON, the Gateways ("namespace/name@generation") in the
// configuration this node's Envoy has ACKed; edgegate.io/reason says why that list is empty or
// behind (Envoy not connected, a NACK). The Lease is written only when the report changes, never on
// a timer, so an idle cluster stays write-free. A node whose edgegate is gone keeps its last report:
// its Envoy outlives edgegate and goes on serving that configuration.
import type { Logger } from "../log/logger.ts";
import type { ObjectStatus } from "../object-status/types.ts";
import { AckedGateways, type AckSource } from "../object-status/acked-gateways.ts";
import { isObj, type Obj } from "../yaml/value.ts";
import type { KubeClient } from "./client.ts";
import { Retry, sleep } from "./backoff.ts";
import { leaseType, resourcePath } from "./api-resources.ts";
import type { NodeReport } from "./status-writer/programmed.ts";

export const reportLabel = "edgegate.io/node-report";
const gatewaysAnnotation = "edgegate.io/programmed-gateways";
const reasonAnnotation = "edgegate.io/reason";
const nodeAnnotation = "edgegate.io/node";

export function reportLeaseName(node: string): string {
  return `edgegate-node-${node}`.slice(0, 253);
}

// The ACK tracking itself is shared with file mode (src/object-status/acked-gateways.ts).
export { programmedGateways, type AckSource } from "../object-status/acked-gateways.ts";

/** A node's report from its Lease; undefined for a Lease that is not one. */
export function parseReport(lease: Obj): { node: string; report: NodeReport } | undefined {
  const m = isObj(lease.metadata) ? lease.metadata : {};
  const ann = isObj(m.annotations) ? m.annotations : {};
  const spec = isObj(lease.spec) ? lease.spec : {};
  const node = typeof ann[nodeAnnotation] === "string" ? ann[nodeAnnotation] : typeof spec.holderIdentity === "string" ? spec.holderIdentity : undefined;
  if (!node) return undefined;
  let gateways: string[] = [];
  try {
    const v: unknown = JSON.parse(typeof ann[gatewaysAnnotation] === "string" ? ann[gatewaysAnnotation] : "[]");
    if (Array.isArray(v)) gateways = v.filter((x): x is string => typeof x === "string");
  } catch {
    // A hand-edited, broken annotation: the node counts as serving nothing until it writes again.
  }
  const reason = typeof ann[reasonAnnotation] === "string" && ann[reasonAnnotation] !== "" ? ann[reasonAnnotation] : undefined;
  return { node, report: { gateways: new Set(gateways), reason } };
}

export interface NodeReporterOptions {
  client: KubeClient;
  log: Logger;
  node: string;
  namespace: string;
  /** Coalesces a burst of ACKs into one evaluation. */
  debounceMs?: number;
}

export class NodeReporter {
  private readonly tracker = new AckedGateways();
  /** What the report says: the tracker's view, or why there is none. */
  private acked: readonly string[] = [];
  private reason: string | undefined = this.tracker.reason;
  private written = "";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> | undefined;
  private again = false;
  private source: AckSource | undefined;
  private last: readonly ObjectStatus[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly retry = new Retry({ initialMs: 500, maxMs: 30_000 });
  writes = 0;

  constructor(private readonly o: NodeReporterOptions) {}

  /** Follows the local Envoy's ACKs from now on. */
  follow(source: AckSource): void {
    this.unsubscribe?.();
    this.source = source;
    this.unsubscribe = source.onEvent(() => this.schedule());
    this.published(this.last);
  }

  /** After each compile: which Gateways the snapshot just published (the cache's current one) contains. */
  published(statuses: readonly ObjectStatus[]): void {
    this.last = statuses;
    if (!this.source) return this.schedule();
    this.tracker.published(this.source.snapshot().version, statuses);
    this.schedule();
  }

  /** The report this node would write now (tests, /status). */
  report(): { gateways: string[]; reason?: string } {
    return { gateways: [...this.acked], ...(this.reason ? { reason: this.reason } : {}) };
  }

  private evaluate(): void {
    if (!this.source) {
      this.acked = [];
      this.reason = "edgegate has no xDS server running";
      return;
    }
    this.tracker.update(this.source, this.o.node);
    this.acked = this.tracker.acked;
    this.reason = this.tracker.reason;
  }

  private schedule(): void {
    if (this.timer || this.abort.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.evaluate();
      void this.flush();
    }, this.o.debounceMs ?? 50);
  }

  private async flush(): Promise<void> {
    if (this.writing) {
      this.again = true;
      return;
    }
    const body = this.body();
    const text = JSON.stringify(body.metadata.annotations);
    if (text === this.written) return;
    this.writing = (async () => {
      try {
        const q = new URLSearchParams({ fieldManager: "edgegate-node", force: "true" });
        await this.o.client.request("PATCH", `${resourcePath(leaseType, "v1", this.o.namespace, body.metadata.name)}?${q}`, {
          body,
          contentType: "application/apply-patch+yaml",
          signal: this.abort.signal,
          timeoutMs: 10_000,
        });
        this.written = text;
        this.writes++;
        this.retry.reset();
      } catch (e) {
        if (this.abort.signal.aborted) return;
        const delay = this.retry.next();
        this.o.log.debug("node report: write failed; retrying", { error: (e as Error).message, retryInMs: Math.round(delay) });
        await sleep(delay, this.abort.signal);
        this.again = true;
      }
    })();
    await this.writing;
    this.writing = undefined;
    if (this.again) {
      this.again = false;
      void this.flush();
    }
  }

  private body(): {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
    spec: Obj;
  } {
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: reportLeaseName(this.o.node),
        namespace: this.o.namespace,
        labels: { [reportLabel]: "true" },
        annotations: { [nodeAnnotation]: this.o.node, [gatewaysAnnotation]: JSON.stringify(this.acked), [reasonAnnotation]: this.reason ?? "" },
      },
      spec: { holderIdentity: this.o.node, renewTime: new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z") },
    };
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe?.();
    this.abort.abort();
    await this.writing;
  }
}
