// Incremental ADS (DeltaAggregatedResources), what Envoy uses when its bootstrap says DELTA_GRPC:
// responses carry only changed resources plus the names removed; each response is ACKed by its
// own nonce; a reconnecting client reports what it holds in initial_resource_versions.
import { create } from "@bufbuild/protobuf";
import {
  DeltaDiscoveryResponseSchema,
  ResourceSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type Resource,
} from "../../gen/envoy/service/discovery/v3/discovery_pb.ts";
import { TypeUrl } from "../resources.ts";
import { dependencies, dependents, retained } from "./order.ts";
import { hashSet } from "./hash.ts";
import type { Snapshot, SnapshotEntry } from "./snapshot.ts";
import { XdsStream, type PeerInfo, type StreamHost } from "./stream.ts";
import type { Track } from "./track.ts";
import { removeOrder } from "./types.ts";

interface Diff {
  updated: SnapshotEntry[];
  removed: string[];
}

export class DeltaStream extends XdsStream {
  readonly kind = "delta" as const;

  constructor(
    host: StreamHost,
    peer: PeerInfo,
    private readonly send: (r: DeltaDiscoveryResponse) => void,
  ) {
    super(host, peer);
  }

  onRequest(req: DeltaDiscoveryRequest): void {
    this.noteNode(req.node);
    const t = this.track(req.typeUrl);
    if (!t) return;
    const first = !t.started;
    let answered = false;
    // Unknown nonce: an answer to something already superseded or from before a restart; the
    // subscription fields below still count (they are independent of ACKs in delta).
    if (req.responseNonce !== "") answered = this.answer(t, req.responseNonce, req.errorDetail, false);
    if (first) {
      // Legacy wildcard: the first LDS/CDS request with no names subscribes to everything.
      if (req.resourceNamesSubscribe.length === 0 && t.kind.fullStateInSotw) t.wildcard = true;
      // What the client already holds (after a reconnect): only differences are sent.
      for (const [name, version] of Object.entries(req.initialResourceVersions)) t.held.set(name, version);
    }
    for (const n of req.resourceNamesSubscribe) {
      if (n === "*") t.wildcard = true;
      else t.names.add(n);
    }
    for (const n of req.resourceNamesUnsubscribe) {
      if (n === "*") t.wildcard = false;
      else {
        t.names.delete(n);
        // The client drops an unsubscribed resource itself; forget it so a resubscribe resends it.
        if (!t.wildcard) {
          t.held.delete(n);
          t.accepted.delete(n);
        }
      }
    }
    const d = this.diff(t, this.host.snapshot());
    // The first request of a type always gets an answer, even an empty one, so a client with
    // nothing to receive (e.g. no clusters yet) finishes its initial fetch instead of timing out.
    if (first || d.updated.length > 0 || d.removed.length > 0) this.push(t, d.updated, d.removed);
    else if (t.acked && t.pending.size === 0 && !t.rejecting) {
      // An unsubscribe gets no response (the client drops the resources itself), so no ACK will
      // come: the client's accepted state is what it held minus what it let go.
      t.acked = { ...t.acked, version: hashSet(t.held) };
    }
    if (answered) this.afterAnswer(t);
  }

  onSnapshot(next: Snapshot): void {
    let added = false;
    for (const t of this.tracksIn(dependencies)) {
      if (!t.started) continue;
      const d = this.diff(t, next);
      if (d.updated.length === 0) continue;
      if (d.updated.some((e) => !t.held.has(e.name))) added = true;
      this.push(t, d.updated, []);
    }
    if ((added && this.holdDependents()) || this.holdingDependents) {
      // Routes and listeners wait, but what the client should end up with is known now: /status
      // and readiness must not call it current meanwhile.
      for (const t of this.tracksIn(dependents)) if (t.started) t.desired(next);
      return;
    }
    this.pushDependents(next);
  }

  protected pushDependents(next: Snapshot): void {
    const diffs = new Map<Track, Diff>();
    for (const t of this.tracksIn(dependents)) {
      if (!t.started) continue;
      const d = this.diff(t, next);
      diffs.set(t, d);
      if (d.updated.length > 0) this.push(t, d.updated, []);
    }
    // Removals after every addition, dependents first (see removeOrder); clusters and endpoints
    // only once nothing the client holds refers to them.
    for (const t of this.tracksIn(removeOrder)) {
      const d = diffs.get(t) ?? (t.started && !dependents.includes(t.kind.typeUrl) ? this.diff(t, next) : undefined);
      if (d && d.removed.length > 0) this.push(t, [], d.removed);
    }
  }

  protected release(): void {
    const snap = this.host.snapshot();
    for (const t of this.tracksIn([TypeUrl.cluster, TypeUrl.endpoint])) {
      if (!t.started) continue;
      const d = this.diff(t, snap);
      if (d.removed.length > 0) this.push(t, [], d.removed);
    }
  }

  private diff(t: Track, snap: Snapshot): Diff {
    const desired = t.desired(snap);
    const updated: SnapshotEntry[] = [];
    for (const [name, e] of desired) if (t.held.get(name) !== e.version) updated.push(e);
    const removed: string[] = [];
    let refs: Set<string> | undefined;
    for (const name of [...t.held.keys()]) {
      if (desired.has(name)) continue;
      if (t.wildcard || t.names.has(name)) {
        // Kept while referenced (also when its response was NACKed: clients apply a response's
        // valid resources and reject the rest).
        if (retained.has(t.kind.typeUrl) && (refs ??= this.referencedClusters()).has(name)) continue;
        removed.push(name);
      }
      // Held but no longer subscribed (e.g. listed in initial_resource_versions only): the client
      // drops those itself, so just stop counting them.
      else t.held.delete(name);
    }
    return { updated, removed };
  }

  private push(t: Track, updated: readonly SnapshotEntry[], removed: readonly string[]): void {
    const resources: Resource[] = [];
    for (const e of updated) {
      resources.push(create(ResourceSchema, { name: e.name, version: e.version, resource: e.any }));
      t.held.set(e.name, e.version);
    }
    for (const name of removed) t.held.delete(name);
    // The version of a delta response is the hash of everything the client holds once it applies it,
    // computed with the same formula as the snapshot's, so "ACKed == desired" means up to date.
    const version = hashSet(t.held);
    const nonce = this.nextNonce();
    this.recordSent(t, version, nonce, updated, removed, false);
    this.send(create(DeltaDiscoveryResponseSchema, { systemVersionInfo: version, typeUrl: t.kind.typeUrl, resources, removedResources: [...removed], nonce }));
  }
}
