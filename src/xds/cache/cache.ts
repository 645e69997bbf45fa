// The snapshot cache: publish() swaps in one consistent snapshot and fans the differences out to
// every connected stream. Streams are opened by the ADS server (src/xds/server) and fed requests;
// the cache never does I/O itself, so the protocol logic is testable without sockets.
import type { DeltaDiscoveryResponse, DiscoveryResponse } from "../../gen/envoy/service/discovery/v3/discovery_pb.ts";
import { silentLogger, type Logger } from "../../log/logger.ts";
import type { XdsResources } from "../resources.ts";
import { DeltaStream } from "./delta.ts";
import { buildSnapshot, emptySnapshot, type EncodingMemo, type Snapshot } from "./snapshot.ts";
import { SotwStream } from "./sotw.ts";
import { perType, type XdsClientStatus, type XdsCounters, type XdsEvent, type XdsStats } from "./stats.ts";
import type { PeerInfo, StreamHost, XdsStream } from "./stream.ts";
import { kinds, type TypeShort } from "./types.ts";

export interface SnapshotCacheOptions {
  logger?: Logger;
  /** Clock in epoch milliseconds; injectable for tests. */
  now?: () => number;
  /**
   * Reuse the encoding of a message object that was published before, instead of encoding it
   * again. Encoding is most of a publish's cost (~80 of ~110 ms at 10,000 routes), so an emitter
   * that memoizes unchanged resources makes publish proportional to what changed. Only for callers
   * that never edit a published message in place (a new object per change): an edited object would
   * keep its old bytes. Deep-freezing to enforce it was measured and costs more than encoding.
   * Default false.
   */
  reuseByIdentity?: boolean;
}

export interface PublishResult {
  seq: number;
  version: string;
  /** Types whose content changed; empty when the publish was a no-op. */
  changed: TypeShort[];
  ms: number;
}

export interface AckState {
  /** Every connected stream of the node(s) asked about has ACKed what the current snapshot gives it. */
  current: boolean;
  /** Why not, for /healthz: e.g. "no xDS client connected", "envoy-1 cds: NACK: ...". */
  reason?: string;
}

export class SnapshotCache {
  private snap: Snapshot;
  private publishMs = 0;
  private readonly streams = new Set<XdsStream>();
  private readonly listeners = new Set<(ev: XdsEvent) => void>();
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly counters: XdsCounters = {
    publishes: 0,
    unchangedPublishes: 0,
    pushes: perType(),
    acks: perType(),
    nacks: perType(),
    connectedClients: 0,
    streamsOpened: 0,
    streamsClosed: 0,
  };
  private readonly host: StreamHost;
  private readonly memo: EncodingMemo | undefined;

  constructor(opts: SnapshotCacheOptions = {}) {
    this.logger = (opts.logger ?? silentLogger).with({ component: "xds" });
    this.now = opts.now ?? Date.now;
    this.snap = emptySnapshot(this.now());
    this.memo = opts.reuseByIdentity ? new WeakMap() : undefined;
    this.host = {
      snapshot: () => this.snap,
      counters: this.counters,
      logger: this.logger,
      emit: (ev) => this.emit(ev),
      now: this.now,
      release: (s) => this.streams.delete(s),
    };
  }

  /**
   * Makes `resources` the served configuration. Throws SnapshotError (and keeps the previous
   * snapshot) when the set is inconsistent, e.g. two resources of one type share a name.
   */
  publish(resources: XdsResources): PublishResult {
    const started = performance.now();
    const next = buildSnapshot(resources, this.snap.seq + 1, this.now(), this.memo);
    this.counters.publishes++;
    const changed = kinds.filter((k) => next.types.get(k.typeUrl)?.version !== this.snap.types.get(k.typeUrl)?.version).map((k) => k.short);
    if (changed.length === 0) {
      this.counters.unchangedPublishes++;
      return { seq: this.snap.seq, version: this.snap.version, changed, ms: performance.now() - started };
    }
    this.snap = next;
    for (const s of this.streams) s.onSnapshot(next);
    this.publishMs = performance.now() - started;
    this.logger.debug("xds snapshot published", { seq: next.seq, version: next.version, changed, clients: this.streams.size, ms: round(this.publishMs) });
    this.emit({ type: "publish", seq: next.seq, version: next.version, changed });
    return { seq: next.seq, version: next.version, changed, ms: this.publishMs };
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** A state-of-the-world stream; the server feeds it requests and closes it when the RPC ends. */
  openSotw(peer: PeerInfo, send: (r: DiscoveryResponse) => void): SotwStream {
    const s = new SotwStream(this.host, peer, send);
    this.streams.add(s);
    return s;
  }

  openDelta(peer: PeerInfo, send: (r: DeltaDiscoveryResponse) => void): DeltaStream {
    const s = new DeltaStream(this.host, peer, send);
    this.streams.add(s);
    return s;
  }

  /** Subscribe to connect/push/ack/nack/publish events; returns the unsubscribe function. */
  onEvent(fn: (ev: XdsEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  clients(): XdsClientStatus[] {
    return [...this.streams].map((s) => s.status());
  }

  stats(): XdsStats {
    const types = {} as XdsStats["snapshot"]["types"];
    for (const k of kinds) {
      const t = this.snap.types.get(k.typeUrl);
      types[k.short] = { version: t?.version ?? "", resources: t?.entries.size ?? 0 };
    }
    return {
      snapshot: { seq: this.snap.seq, version: this.snap.version, publishedAt: this.snap.publishedAt, publishMs: this.publishMs, types },
      clients: this.clients(),
      counters: structuredClone(this.counters),
    };
  }

  /**
   * Has the node (or every connected client, without a node id) ACKed the current snapshot?
   * This is the xDS half of /healthz readiness.
   */
  ackState(nodeId?: string): AckState {
    const mine = [...this.streams].filter((s) => nodeId === undefined || s.nodeId === nodeId);
    if (mine.length === 0) return { current: false, reason: nodeId ? `xds client ${nodeId} is not connected` : "no xds client connected" };
    for (const s of mine) {
      for (const t of s.status().types) {
        if (t.current) continue;
        const who = `${s.nodeId || "?"} (stream ${s.id}) ${t.type}`;
        if (t.rejecting && t.lastNack) return { current: false, reason: `${who}: NACK of ${t.lastNack.version}: ${t.lastNack.message}` };
        if (t.oversizeBytes !== undefined)
          return {
            current: false,
            reason: `${who}: waiting for ACK of ${t.desiredVersion}, a ${(t.oversizeBytes / 2 ** 20).toFixed(1)} MiB response (over gRPC's default 4 MiB receive limit)`,
          };
        return { current: false, reason: `${who}: waiting for ACK of ${t.desiredVersion}` };
      }
    }
    return { current: true };
  }

  private emit(ev: XdsEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(ev);
      } catch (err) {
        // A broken observer must not break the protocol for every client.
        this.logger.error("xds event listener threw", { error: String(err) });
      }
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
