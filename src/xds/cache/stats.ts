// Plain typed data about the control plane for /status, /metrics and `edgegate status`. Rendering is
// someone else's job; everything here is JSON-serializable and has no methods.
import type { TypeShort } from "./types.ts";

export type StreamKind = "sotw" | "delta";

export interface XdsVersionMark {
  /** Version as sent in the response (SotW version_info; delta: hash of what the client holds). */
  version: string;
  nonce: string;
  /** Unix epoch milliseconds. */
  at: number;
}

export interface XdsNackMark extends XdsVersionMark {
  /** The client's error_detail.message, verbatim. */
  message: string;
  /** The client's error_detail.code (google.rpc.Code). */
  code: number;
}

export interface XdsTypeStatus {
  type: TypeShort;
  typeUrl: string;
  wildcard: boolean;
  /** Names explicitly subscribed (wildcard subscriptions list none). */
  subscribedCount: number;
  /** Resources of this type the client holds, as far as the server knows. */
  resources: number;
  /** What the current snapshot gives this client; equal to acked.version when it is up to date. */
  desiredVersion: string;
  sent?: XdsVersionMark;
  acked?: XdsVersionMark;
  /** The last NACK on this stream; stays until a later ACK of a newer version clears `rejecting`. */
  lastNack?: XdsNackMark;
  /** True while the latest response of this type was NACKed and nothing newer has been ACKed. */
  rejecting: boolean;
  /**
   * Bytes of the last response when it exceeded gRPC's default 4 MiB receive limit and the client is
   * not Envoy: unless the client raised grpc.max_receive_message_length it cannot receive it.
   */
  oversizeBytes?: number;
  /** acked.version === desiredVersion. */
  current: boolean;
}

export interface XdsClientStatus {
  /** Per-process stream number; a reconnecting client gets a new one. */
  stream: number;
  nodeId: string;
  nodeCluster: string;
  /** "ip:port" for TCP, "unix:PATH" for the Unix socket. */
  address: string;
  /** Unix socket only: the client's pid from SO_PEERCRED. */
  peerPid?: number;
  kind: StreamKind;
  userAgent: string;
  connectedAt: number;
  types: XdsTypeStatus[];
  /** Every subscribed type has ACKed what the current snapshot gives it. */
  current: boolean;
}

export interface XdsSnapshotStatus {
  seq: number;
  version: string;
  publishedAt: number;
  /** Wall time publish() took: serializing, hashing and queueing pushes to every client. */
  publishMs: number;
  types: Record<TypeShort, { version: string; resources: number }>;
}

export interface XdsCounters {
  publishes: number;
  /** publish() calls whose content equalled the current snapshot: nothing was sent. */
  unchangedPublishes: number;
  pushes: Record<TypeShort, number>;
  acks: Record<TypeShort, number>;
  nacks: Record<TypeShort, number>;
  connectedClients: number;
  streamsOpened: number;
  streamsClosed: number;
}

export interface XdsStats {
  snapshot: XdsSnapshotStatus;
  clients: XdsClientStatus[];
  counters: XdsCounters;
}

export type XdsEvent =
  | { type: "connect"; stream: number; kind: StreamKind; nodeId: string; address: string }
  | { type: "disconnect"; stream: number; kind: StreamKind; nodeId: string; address: string }
  | { type: "publish"; seq: number; version: string; changed: TypeShort[] }
  | { type: "push"; stream: number; nodeId: string; typeUrl: string; version: string; nonce: string; resources: number; removed: number }
  | { type: "ack"; stream: number; nodeId: string; typeUrl: string; version: string; nonce: string }
  | { type: "nack"; stream: number; nodeId: string; typeUrl: string; version: string; nonce: string; message: string; code: number };

export function perType(): Record<TypeShort, number> {
  return { lds: 0, rds: 0, cds: 0, eds: 0, sds: 0 };
}
