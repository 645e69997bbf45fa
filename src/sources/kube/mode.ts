// Kubernetes mode in one piece for the appliance: the Source (list+watch), the Lease that picks the
// one status writer, and the writer. The appliance uses it like this:
//
//   const kube = createKubeMode(config, log);
//   startAppliance(config, log, kube.source)      // objects in, like file mode
//   ...after each compile:  kube.publishStatus(result.status)
//   ...once xDS is served:  kube.followDataPlane(app.cache)   // this node's Envoy ACKs -> its report
//   ...on shutdown:         await kube.stop()     // releases the Lease (handover)
//
// Status is judged against the cluster's data plane: addresses from the selected nodes only, and
// Programmed only once a selected node's Envoy has ACKed the Gateway (node-report.ts).
import type { ApplianceConfig } from "../../config/types.ts";
import type { Logger } from "../../log/logger.ts";
import type { ObjectStatus } from "../../object-status/types.ts";
import { KubeClient } from "../../kube/client.ts";
import { inClusterConnection, kubeconfigConnection, type KubeConnection } from "../../kube/connection.ts";
import { LeaderElector, type LeaseState } from "../../kube/lease.ts";
import { StatusWriter, type StatusWriterStats } from "../../kube/status-writer/writer.ts";
import type { ReflectorState } from "../../kube/reflector.ts";
import { KubeSource, type KubeSourceOptions } from "./source.ts";
import { NodeReporter, type AckSource } from "../../kube/node-report.ts";
import type { StatusContext } from "../../kube/status-writer/apply.ts";
import type { NodeReport } from "../../kube/status-writer/programmed.ts";
import { expandPool } from "../../net/pool.ts";
import { selectorString } from "./nodes.ts";

export interface KubeModeOptions {
  /** Overrides for tests: a ready connection instead of config.source.kubernetes. */
  connection?: KubeConnection;
  source?: Partial<Omit<KubeSourceOptions, "client" | "log" | "nodeName" | "nodeSelector" | "reportNamespace">>;
  lease?: { durationMs?: number; retryPeriodMs?: number };
  status?: { batchMs?: number; qps?: number; burst?: number; concurrency?: number };
}

export interface KubeModeStatus {
  watches: ReflectorState[];
  lease: LeaseState & { name: string; identity: string };
  status: StatusWriterStats;
  /** What this node reports its Envoy serves (its per-node Lease). */
  dataPlane: { gateways: string[]; reason?: string; reportWrites: number };
}

export interface KubeMode {
  readonly source: KubeSource;
  readonly client: KubeClient;
  /** Hands the newest computed status to the writer (it writes only while this node leads). */
  publishStatus(status: readonly ObjectStatus[]): void;
  /** Follows this node's Envoy through the xDS cache; until called, the node reports serving nothing. */
  followDataPlane(cache: AckSource): void;
  /** Starts campaigning for the Lease; call once the source has started. */
  startLeaderElection(): void;
  details(): KubeModeStatus;
  stop(): Promise<void>;
}

export function connectionFor(config: ApplianceConfig): KubeConnection {
  const k = config.source.kubernetes;
  if (!k) throw new Error("source.kubernetes is not set");
  if (k.inCluster) return inClusterConnection();
  const file = k.kubeconfig || process.env.KUBECONFIG;
  if (!file) throw new Error("source.kubernetes: set inCluster: true or a kubeconfig (or KUBECONFIG)");
  return kubeconfigConnection(file, k.context || undefined);
}

export function createKubeMode(config: ApplianceConfig, log: Logger, opts: KubeModeOptions = {}): KubeMode {
  const k = config.source.kubernetes;
  const conn = opts.connection ?? connectionFor(config);
  const klog = log.with({ component: "kubernetes" });
  if (conn.insecure) klog.warn("insecure-skip-tls-verify is set: the API server's certificate is NOT checked");
  klog.info("Kubernetes API", {
    server: conn.server,
    credentials: conn.describe,
    ca: conn.ca ? "configured" : "system roots",
    clientCert: conn.cert ? "yes" : "no",
  });
  const client = new KubeClient(conn);
  const leaseName = k?.leaseName || "edgegate-status";
  const leaseNamespace = k?.leaseNamespace || conn.namespace || "edgegate-system";
  const source = new KubeSource({
    client,
    log: klog,
    nodeName: config.node.name,
    nodeSelector: config.nodes.matchLabels,
    reportNamespace: leaseNamespace,
    ...opts.source,
  });
  const elector = new LeaderElector(client, {
    namespace: leaseNamespace,
    name: leaseName,
    identity: config.node.name,
    leaseDurationMs: opts.lease?.durationMs ?? (k?.leaseDurationSeconds ?? 15) * 1000,
    retryPeriodMs: opts.lease?.retryPeriodMs,
    log: klog,
  });
  const writer = new StatusWriter({
    client,
    log: klog,
    controllerName: config.controllerName,
    live: (key) => source.live(key),
    batchMs: opts.status?.batchMs,
    qps: opts.status?.qps ?? k?.statusQps,
    burst: opts.status?.burst,
    concurrency: opts.status?.concurrency,
  });
  // /status reads the Lease state live; a change of hands needs no recompute.
  elector.onChange((leader) => writer.setLeader(leader));
  const reporter = new NodeReporter({ client, log: klog, node: config.node.name, namespace: leaseNamespace });
  // What the mode adds to /status's source section (under the names proto/edgegate/status/v1 gives
  // them), and what details() reports: one description, read live.
  const describe = (): Omit<KubeModeStatus, "watches"> => ({
    lease: { ...elector.state, name: `${leaseNamespace}/${leaseName}`, identity: config.node.name },
    status: { ...writer.stats },
    // What this node reports its Envoy serves (its Lease edgegate-node-<node>).
    dataPlane: { ...reporter.report(), reportWrites: reporter.writes },
  });
  source.describeWith(describe);
  let last: readonly ObjectStatus[] = [];
  const pool = new Set(expandPool(config.exposure.addressPool));
  const selector = selectorString(config.nodes.matchLabels) || "every node";
  // What the selected nodes serve, judged afresh for each write-out: their addresses (host-network
  // mode) and their Envoys' reports. The same object while none of that changed: the writer
  // re-judges the Gateways' bodies only for a new context.
  let lastContext: { key: string; reports: NodeReport[]; ctx: StatusContext } | undefined;
  const context = (): StatusContext => {
    const selectedNodes = source.selectedNodes();
    const addresses = config.exposure.mode === "hostNetwork" ? source.selectedAddresses() : [];
    const all = source.nodeReports();
    const reports = new Map<string, NodeReport>();
    for (const n of selectedNodes) {
      const r = all.get(n);
      if (r) reports.set(n, r);
    }
    const key = JSON.stringify([selectedNodes, addresses, [...reports.keys()]]);
    const values = [...reports.values()];
    if (lastContext?.key === key && lastContext.reports.every((r, i) => r === values[i])) return lastContext.ctx;
    const ctx: StatusContext = {
      ...(config.exposure.mode === "hostNetwork" ? { addresses: { selectedNodes, addresses, pool } } : {}),
      dataPlane: { selectedNodes, reports, selector },
    };
    lastContext = { key, reports: values, ctx };
    return ctx;
  };
  source.onReportsChanged(() => writer.update(last, context()));
  return {
    source,
    client,
    publishStatus(status) {
      last = status;
      reporter.published(status);
      writer.update(last, context());
    },
    followDataPlane: (cache) => reporter.follow(cache),
    startLeaderElection: () => elector.start(),
    details: () => ({ watches: source.watches(), ...describe() }),
    async stop() {
      await writer.stop();
      await reporter.stop();
      await elector.stop();
      await source.stop();
    },
  };
}
