// What the health and status server knows about the appliance: one plain, JSON-serializable
// snapshot per request from a provider the run command assembles. Each section is owned by the part
// that produces it; this file only fixes the shapes the server reads.
import type { EnvoyState } from "../envoy/state.ts";
import type { Condition, ObjectStatus } from "../object-status/types.ts";
import type { Snapshot } from "../xds/cache/snapshot.ts";
import type { Ir } from "../ir/types.ts";
import type { Verdict } from "./health.ts";

export interface StatusProvider {
  /** Called on every /status and /metrics request; must not throw. */
  snapshot(): ApplianceStatus;
  /** The last published xDS snapshot (GET /config_dump); absent before the xDS cache exists. */
  xdsSnapshot?(): Snapshot | undefined;
  /** The IR of the last good compile (GET /topology, the dashboard's graph). */
  ir?(): Ir | undefined;
  /** The /healthz and /readyz verdicts when kept up to date elsewhere; else computed from snapshot(). */
  verdicts?(): { health: Verdict; readiness: Verdict };
  /** Calls `listener` (soon after, not during) whenever the verdicts' inputs changed: the health thread re-reads them. */
  onInvalidate?(listener: () => void): void;
}

export interface ApplianceStatus {
  /** edgegate's version. */
  version: string;
  /** ISO 8601 time this process started. */
  startedAt: string;
  node: NodeStatus;
  envoy: EnvoyState;
  xds: XdsView;
  inputs: InputsStatus;
  listeners: ListenerView[];
  /** The datapath's own report (programs, attachments, map sizes); shown as-is. */
  datapath: { [key: string]: unknown };
  source: SourceStatus;
}

export interface NodeStatus {
  /** The node's name; also the xDS node id of the local Envoy. */
  name: string;
  labels: Record<string, string>;
  /** config.nodes.matchLabels; empty selects every node. */
  selector: Record<string, string>;
  /** Whether this node serves traffic (see matchesSelector). */
  selected: boolean;
}

/**
 * The xDS server's statistics, as much as the server reads. The SnapshotCache's stats()
 * (src/xds/cache/stats.ts) satisfies this as it is; tests/server/xds-contract.test.ts keeps it so.
 */
export interface XdsView {
  /** The snapshot every client should converge on; seq 0 means nothing has been published yet. */
  snapshot: { seq: number; version: string; publishedAt: number; publishMs: number };
  clients: XdsClientView[];
  counters: {
    publishes: number;
    pushes: Record<string, number>;
    acks: Record<string, number>;
    nacks: Record<string, number>;
    connectedClients: number;
  };
}

export interface XdsClientView {
  stream: number;
  nodeId: string;
  /** "ip:port" for TCP, "unix:PATH" for the Unix socket. */
  address: string;
  /** Unix socket only: the client's pid from SO_PEERCRED (readiness counts only Envoy's). */
  peerPid?: number;
  kind: "sotw" | "delta";
  /** Unix epoch ms. */
  connectedAt: number;
  types: XdsClientTypeView[];
  /** Every subscribed type has ACKed what the current snapshot gives it. */
  current: boolean;
}

export interface XdsClientTypeView {
  /** Short type name: lds, rds, cds, eds, sds. */
  type: string;
  typeUrl: string;
  desiredVersion: string;
  sent?: { version: string; at: number };
  acked?: { version: string; at: number };
  lastNack?: { version: string; message: string; at: number };
  /** The latest response of this type was NACKed and nothing newer was ACKed since. */
  rejecting: boolean;
  current: boolean;
}

export interface InputsStatus {
  /** Objects edgegate computes status for (classes, Gateways, routes, policies, Ingresses). */
  objects: InputObjectStatus[];
  problems: InputProblem[];
  /** Every input object in force, counted by kind (Services, Secrets... included). */
  counts?: Record<string, number>;
}

export interface InputObjectStatus {
  kind: string;
  namespace?: string;
  name: string;
  generation?: number;
  conditions: Condition[];
  /** Route parents or Gateway listeners, each with its own conditions. */
  parts?: Array<{ name: string; conditions: Condition[] }>;
  /** The object's status as the Gateway API / Ingress write it (addresses, listeners, parents). */
  status?: ObjectStatus["status"];
}

/** A validation or translation problem; `edgegate validate` prints the same facts as one line. */
export interface InputProblem {
  file?: string;
  line?: number;
  /** "Kind namespace/name". */
  object?: string;
  path?: string;
  message: string;
}

export interface ListenerView {
  /** The Envoy listener name. */
  name: string;
  address: string;
  port: number;
  protocol: string;
  /** "namespace/name" of the Gateway, or the Ingress class, it comes from. */
  from?: string;
  hostnames?: string[];
  attachedRoutes?: number;
}

export interface SourceStatus {
  mode: "files" | "kubernetes";
  /** "synced": the store holds a complete view of the inputs. */
  state: "starting" | "synced" | "error";
  message?: string;
  /** ISO 8601. */
  lastSyncAt?: string;
  objects: number;
  /** Kubernetes mode: one entry per watched kind (src/kube/reflector.ts ReflectorState). */
  watches?: SourceWatchView[];
  /** Kubernetes mode: the leader election lease and the status writer's counters, as those parts report them. */
  lease?: { [key: string]: unknown };
  status?: { [key: string]: unknown };
  /** Kubernetes mode: what this node reports its Envoy serves (its per-node Lease). */
  dataPlane?: { gateways: string[]; reason?: string; reportWrites: number };
}

export interface SourceWatchView {
  kind: string;
  phase: string;
  apiVersion?: string;
  resourceVersion?: string;
  lists: number;
  watches: number;
  events: number;
  expired: number;
  errors: number;
  message?: string;
  lastListAt?: string;
}
