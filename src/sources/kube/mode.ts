// Kubernetes mode in one piece for the appliance: the Source (list+watch), the Lease that picks the
// one status writer, and the writer. The appliance uses it like this:
//
//   const kube = createKubeMode(config, log);
//   startAppliance(config, log, kube.source)      // objects in, like file mode
//   ...after each compile:  kube.publishStatus(result.status)
//   ...on shutdown:         await kube.stop()     // releases the Lease (handover)
import type { ApplianceConfig } from "../../config/types.ts";
import type { Logger } from "../../log/logger.ts";
import type { ObjectStatus } from "../../status/types.ts";
import { KubeClient } from "../../kube/client.ts";
import { inClusterConnection, kubeconfigConnection, type KubeConnection } from "../../kube/connection.ts";
import { LeaderElector, type LeaseState } from "../../kube/lease.ts";
import { StatusWriter, type StatusWriterStats } from "../../kube/status/writer.ts";
import type { ReflectorState } from "../../kube/reflector.ts";
import { KubeSource, type KubeSourceOptions } from "./source.ts";

export interface KubeModeOptions {
  /** Overrides for tests: a ready connection instead of config.source.kubernetes. */
  connection?: KubeConnection;
  source?: Partial<Omit<KubeSourceOptions, "client" | "log" | "nodeName" | "nodeSelector">>;
  lease?: { durationMs?: number; retryPeriodMs?: number };
  status?: { batchMs?: number; qps?: number; burst?: number };
}

export interface KubeModeStatus {
  watches: ReflectorState[];
  lease: LeaseState & { name: string; identity: string };
  status: StatusWriterStats;
}

export interface KubeMode {
  readonly source: KubeSource;
  readonly client: KubeClient;
  /** Hands the newest computed status to the writer (it writes only while this node leads). */
  publishStatus(status: readonly ObjectStatus[]): void;
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
  klog.info("Kubernetes API", { server: conn.server, credentials: conn.describe, ca: conn.ca ? "configured" : "system roots", clientCert: conn.cert ? "yes" : "no" });
  const client = new KubeClient(conn);
  const source = new KubeSource({ client, log: klog, nodeName: config.node.name, nodeSelector: config.nodes.matchLabels, ...opts.source });
  const leaseName = k?.leaseName || "edgegate-status";
  const leaseNamespace = k?.leaseNamespace || conn.namespace || "edgegate-system";
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
    live: (key) => {
      const o = source.get(key);
      return o && o.origin.source === "kubernetes" ? { object: o.object, resourceVersion: o.origin.resourceVersion } : undefined;
    },
    batchMs: opts.status?.batchMs,
    qps: opts.status?.qps ?? k?.statusQps,
    burst: opts.status?.burst,
  });
  elector.onChange((leader) => {
    writer.setLeader(leader);
    source.notify();
  });
  source.describeWith(() => ({ lease: { name: `${leaseNamespace}/${leaseName}`, identity: config.node.name, ...elector.state }, statusWriter: { ...writer.stats } }));
  let last: readonly ObjectStatus[] = [];
  return {
    source,
    client,
    publishStatus(status) {
      last = status;
      // Host-network mode: a Gateway without spec.addresses is reachable on every selected node.
      const own = config.node.addresses.length > 0 ? config.node.addresses : (source.ownAddresses() ?? []);
      writer.update(last, config.exposure.mode === "hostNetwork" ? { own, cluster: source.selectedAddresses() } : undefined);
    },
    startLeaderElection: () => elector.start(),
    details: () => ({ watches: source.watches(), lease: { ...elector.state, name: `${leaseNamespace}/${leaseName}`, identity: config.node.name }, status: { ...writer.stats } }),
    async stop() {
      await writer.stop();
      await elector.stop();
      await source.stop();
    },
  };
}
