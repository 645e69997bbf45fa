// What both ADS stream flavours share: client identity, per-type tracks, ACK/NACK bookkeeping,
// counters, events and logs. The protocol specifics live in sotw.ts and delta.ts.
import type { Node } from "../../gen/envoy/config/core/v3/base_pb.ts";
import type { Status } from "../../gen/google/rpc/status_pb.ts";
import type { Logger } from "../../log/logger.ts";
import { TypeUrl } from "../resources.ts";
import type { Snapshot, SnapshotEntry } from "./snapshot.ts";
import type { StreamKind, XdsClientStatus, XdsCounters, XdsEvent } from "./stats.ts";
import { Track } from "./track.ts";
import { kindOf } from "./types.ts";
import { dependencies, dependents, dependentsWaitMs } from "./order.ts";

/** What a stream needs from the cache that owns it. */
export interface StreamHost {
  snapshot(): Snapshot;
  readonly counters: XdsCounters;
  readonly logger: Logger;
  emit(ev: XdsEvent): void;
  now(): number;
  release(stream: XdsStream): void;
}

export interface PeerInfo {
  /** "ip:port" or "unix:PATH". */
  address: string;
  /** Unix socket only: the connecting process (SO_PEERCRED), which the client cannot forge. */
  pid?: number;
}

let streamSeq = 0;
const grpcDefaultMaxReceive = 4 * 1024 * 1024;

export abstract class XdsStream {
  readonly id = ++streamSeq;
  abstract readonly kind: StreamKind;
  nodeId = "";
  nodeCluster = "";
  userAgent = "";
  readonly connectedAt: number;
  protected readonly tracks = new Map<TypeUrl, Track>();
  private nonceSeq = 0;
  private greeted = false;
  private closed = false;
  private readonly unknownTypes = new Set<string>();
  /** Envoy raises gRPC's receive limit itself; known from the first request (noteNode). */
  private isEnvoy = false;

  constructor(
    protected readonly host: StreamHost,
    readonly peer: PeerInfo,
  ) {
    this.connectedAt = host.now();
    host.counters.connectedClients++;
    host.counters.streamsOpened++;
  }

  /** Applies a new snapshot: pushes whatever changed for this client, in safe order (order.ts). */
  abstract onSnapshot(next: Snapshot): void;
  /** Pushes route configurations, then listeners, then removals (order.ts rules 3 and 4). */
  protected abstract pushDependents(snap: Snapshot): void;
  /** Takes from the client the clusters and endpoints nothing it holds refers to any more (rule 5). */
  protected abstract release(): void;

  private holding: ReturnType<typeof setTimeout> | undefined;

  /**
   * Rule 2: after new clusters or endpoints went out, route configurations and listeners wait for
   * the client's answers. Returns false when nothing is outstanding (push them now).
   */
  protected holdDependents(): boolean {
    if (this.dependenciesAnswered()) return false;
    this.holding ??= setTimeout(() => {
      this.holding = undefined;
      if (this.closed) return;
      this.host.logger.warn("xds client did not answer new clusters in time; sending routes and listeners anyway", {
        stream: this.id,
        node: this.nodeId,
        waitedMs: dependentsWaitMs,
      });
      this.pushDependents(this.host.snapshot());
    }, dependentsWaitMs);
    this.holding.unref?.();
    return true;
  }

  protected get holdingDependents(): boolean {
    return this.holding !== undefined;
  }

  private dependenciesAnswered(): boolean {
    for (const t of this.tracksIn(dependencies)) if (t.pending.size > 0) return false;
    return true;
  }

  /**
   * A request's answer to response `nonce` of `t`, if it is one we await: records the ACK (the
   * client now holds what that response gave it) or NACK, and forgets the response (`supersedes`:
   * SotW, where an answer covers every older response too). False for an unknown nonce.
   */
  protected answer(t: Track, nonce: string, errorDetail: Status | undefined, supersedes: boolean): boolean {
    const r = t.pending.get(nonce);
    if (r === undefined) return false;
    if (errorDetail) this.recordNack(t, nonce, r.version, errorDetail);
    else {
      t.accept(r);
      this.recordAck(t, nonce, r.version);
    }
    t.settle(nonce, supersedes);
    return true;
  }

  /** After an ACK or NACK of `t`: release clusters nothing refers to; push what waited on `t`. */
  protected afterAnswer(t: Track): void {
    if (dependents.includes(t.kind.typeUrl)) this.release();
    else if (this.holding !== undefined && this.dependenciesAnswered()) {
      clearTimeout(this.holding);
      this.holding = undefined;
      this.pushDependents(this.host.snapshot());
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.holding !== undefined) clearTimeout(this.holding);
    this.host.counters.connectedClients--;
    this.host.counters.streamsClosed++;
    this.host.logger.info("xds client disconnected", { stream: this.id, node: this.nodeId, kind: this.kind, address: this.peer.address });
    this.host.emit({ type: "disconnect", stream: this.id, kind: this.kind, nodeId: this.nodeId, address: this.peer.address });
    this.host.release(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  status(): XdsClientStatus {
    const types = [...this.tracks.values()].map((t) => t.status());
    return {
      stream: this.id,
      nodeId: this.nodeId,
      nodeCluster: this.nodeCluster,
      address: this.peer.address,
      ...(this.peer.pid !== undefined ? { peerPid: this.peer.pid } : {}),
      kind: this.kind,
      userAgent: this.userAgent,
      connectedAt: this.connectedAt,
      types,
      current: types.every((t) => t.current),
    };
  }

  isCurrent(): boolean {
    for (const t of this.tracks.values()) if (!t.isCurrent()) return false;
    return true;
  }

  /** Nonces are unique per stream, which is all the protocol asks for. */
  protected nextNonce(): string {
    return String(++this.nonceSeq);
  }

  /** Node is only guaranteed on the first request of a stream. */
  protected noteNode(node: Node | undefined): void {
    if (this.greeted) return;
    this.greeted = true;
    this.nodeId = node?.id ?? "";
    this.nodeCluster = node?.cluster ?? "";
    const ua = node?.userAgentVersionType;
    this.userAgent = [node?.userAgentName ?? "", ua?.case === "userAgentVersion" ? ua.value : ""].filter(Boolean).join("/");
    this.isEnvoy = this.userAgent.toLowerCase().includes("envoy");
    this.host.logger.info("xds client connected", { stream: this.id, node: this.nodeId, kind: this.kind, address: this.peer.address, agent: this.userAgent });
    this.host.emit({ type: "connect", stream: this.id, kind: this.kind, nodeId: this.nodeId, address: this.peer.address });
  }

  /** The track for a type, or undefined (logged once) for types edgegate does not serve. */
  protected track(typeUrl: string): Track | undefined {
    const existing = this.tracks.get(typeUrl as TypeUrl);
    if (existing) return existing;
    const kind = kindOf(typeUrl);
    if (!kind) {
      if (!this.unknownTypes.has(typeUrl)) {
        this.unknownTypes.add(typeUrl);
        this.host.logger.warn("xds client asked for a type edgegate does not serve", { stream: this.id, node: this.nodeId, type: typeUrl });
      }
      return undefined;
    }
    const t = new Track(kind);
    this.tracks.set(kind.typeUrl, t);
    return t;
  }

  /** `full`: the response replaces everything the client holds of the type (SotW). */
  protected recordSent(
    t: Track,
    version: string,
    nonce: string,
    updated: readonly SnapshotEntry[],
    removed: readonly string[],
    full: boolean,
    removedCount = removed.length,
  ): void {
    this.noteSize(t, updated);
    t.sent = { version, nonce, at: this.host.now() };
    t.started = true;
    t.addPending(nonce, { version, updated, removed, full });
    this.host.counters.pushes[t.kind.short]++;
    this.host.emit({
      type: "push",
      stream: this.id,
      nodeId: this.nodeId,
      typeUrl: t.kind.typeUrl,
      version,
      nonce,
      resources: updated.length,
      removed: removedCount,
    });
  }

  /**
   * gRPC clients refuse a message over 4 MiB unless configured otherwise (grpc-js and C-core alike:
   * the ADS stream fails and reconnects, and the client stays on what it had). That is never left
   * silent: the type says so in /status and readiness, and a warning names the size once.
   */
  private noteSize(t: Track, updated: readonly SnapshotEntry[]): void {
    if (this.isEnvoy) return;
    let bytes = 0;
    for (const e of updated) bytes += e.any.value.length;
    if (bytes <= grpcDefaultMaxReceive) {
      t.oversizeBytes = undefined;
      return;
    }
    if (t.oversizeBytes === undefined) {
      this.host.logger.warn(
        "xds response exceeds gRPC's default 4 MiB receive limit; the client cannot receive it unless it raised grpc.max_receive_message_length",
        { stream: this.id, node: this.nodeId, type: t.kind.short, bytes, agent: this.userAgent },
      );
    }
    t.oversizeBytes = bytes;
  }

  /**
   * Clusters this client may be routing to: those named by the route configurations and listeners
   * it accepted, or was sent and has not answered yet. Until none does, a cluster (and its
   * endpoints) stays with the client even after it left the snapshot: make before break, per client,
   * so a client that NACKs keeps every cluster its accepted configuration uses.
   */
  protected referencedClusters(): Set<string> {
    const out = new Set<string>();
    for (const t of this.tracksIn([TypeUrl.route, TypeUrl.listener])) t.addRefs(out);
    return out;
  }

  protected recordAck(t: Track, nonce: string, version: string): void {
    t.acked = { version, nonce, at: this.host.now() };
    t.rejecting = false;
    this.host.counters.acks[t.kind.short]++;
    this.host.emit({ type: "ack", stream: this.id, nodeId: this.nodeId, typeUrl: t.kind.typeUrl, version, nonce });
  }

  protected recordNack(t: Track, nonce: string, version: string, err: Status): void {
    t.lastNack = { version, nonce, at: this.host.now(), message: err.message, code: err.code };
    t.rejecting = true;
    this.host.counters.nacks[t.kind.short]++;
    // The client's own words are the most useful thing an operator can get here: log them verbatim.
    this.host.logger.warn("xds client rejected configuration (NACK); it keeps its last accepted version", {
      stream: this.id,
      node: this.nodeId,
      address: this.peer.address,
      type: t.kind.short,
      rejected: version,
      inForce: t.acked?.version ?? "(none)",
      code: err.code,
      error: err.message,
    });
    this.host.emit({ type: "nack", stream: this.id, nodeId: this.nodeId, typeUrl: t.kind.typeUrl, version, nonce, message: err.message, code: err.code });
  }

  /** Tracks of the given types that exist on this stream, in that order. */
  protected tracksIn(order: readonly TypeUrl[]): Track[] {
    const out: Track[] = [];
    for (const u of order) {
      const t = this.tracks.get(u);
      if (t) out.push(t);
    }
    return out;
  }
}
