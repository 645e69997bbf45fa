// State-of-the-world ADS (StreamAggregatedResources): every response carries the complete set the
// client subscribed to; ACK/NACK is by the nonce of the newest response of that type. The order
// of pushes follows order.ts.
import { create } from "@bufbuild/protobuf";
import type { Any } from "@bufbuild/protobuf/wkt";
import { DiscoveryResponseSchema, type DiscoveryRequest, type DiscoveryResponse } from "../../gen/envoy/service/discovery/v3/discovery_pb.ts";
import { TypeUrl } from "../resources.ts";
import type { Snapshot, SnapshotEntry } from "./snapshot.ts";
import { XdsStream, type PeerInfo, type StreamHost } from "./stream.ts";
import type { Track } from "./track.ts";
import { versionOf } from "./track.ts";
import { dependencies, dependents, retained } from "./order.ts";

export class SotwStream extends XdsStream {
  readonly kind = "sotw" as const;

  constructor(
    host: StreamHost,
    peer: PeerInfo,
    private readonly send: (r: DiscoveryResponse) => void,
  ) {
    super(host, peer);
  }

  onRequest(req: DiscoveryRequest): void {
    this.noteNode(req.node);
    const t = this.track(req.typeUrl);
    if (!t) return;
    let answered = false;
    if (req.responseNonce !== "") {
      // Only the newest response of a type can be ACKed; an older nonce means the client has not
      // seen our latest response yet and will answer it separately (xDS spec: ignore stale nonces).
      if (req.responseNonce !== t.sent?.nonce) return;
      // The same nonce again (grpc-js repeats it when only its subscription changes) is not a
      // second answer: the first one counted, and settled it.
      answered = this.answer(t, req.responseNonce, req.errorDetail, true);
    }
    const changed = this.subscribe(t, req.resourceNames);
    const offer = this.offer(t, this.host.snapshot());
    // A request without a nonce asks for a response (first request of the type, also after a
    // reconnect). Otherwise only answer when the subscription changes what the client should hold:
    // after a NACK nothing changed, so the rejected version is not sent again in a loop.
    if (req.responseNonce === "" || (changed && versionOf(offer) !== t.sent?.version)) this.push(t, offer);
    if (answered) this.afterAnswer(t);
  }

  onSnapshot(next: Snapshot): void {
    const added = this.pushOffers(dependencies, next);
    if ((added && this.holdDependents()) || this.holdingDependents) {
      // Routes and listeners wait, but what the client should end up with is known now: /status
      // and readiness must not call it current meanwhile.
      for (const t of this.tracksIn(dependents)) if (t.started) t.desired(next);
      return;
    }
    this.pushDependents(next);
  }

  protected pushDependents(next: Snapshot): void {
    // A removed listener stays in one push more, so nothing that referred to it vanishes first.
    const removals: Track[] = [];
    for (const t of this.tracksIn(dependents)) {
      if (!t.started) continue;
      const desired = t.desired(next);
      if (t.desiredVersion === t.sent?.version) continue;
      if (!t.kind.fullStateInSotw) {
        this.push(t, desired);
        continue;
      }
      const kept = new Map(desired);
      for (const [name, e] of t.heldEntries) if (!desired.has(name)) kept.set(name, e);
      if (kept.size > desired.size) removals.push(t);
      if (versionOf(kept) !== t.sent?.version) this.push(t, kept);
    }
    for (const t of removals) this.push(t, t.desired(next));
    this.release();
  }

  protected release(): void {
    this.pushOffers([TypeUrl.cluster, TypeUrl.endpoint], this.host.snapshot());
  }

  /** Pushes each started type of `types` whose offer changed; true when one adds a name the client lacks. */
  private pushOffers(types: readonly TypeUrl[], snap: Snapshot): boolean {
    let added = false;
    for (const t of this.tracksIn(types)) {
      if (!t.started) continue;
      const offer = this.offer(t, snap);
      if (versionOf(offer) === t.sent?.version) continue;
      for (const name of offer.keys()) if (!t.held.has(name)) added = true;
      this.push(t, offer);
    }
    return added;
  }

  /** What the client should hold of `t`: the snapshot's share, plus what it still routes to (rule 5). */
  private offer(t: Track, snap: Snapshot): ReadonlyMap<string, SnapshotEntry> {
    const desired = t.desired(snap);
    if (!retained.has(t.kind.typeUrl)) return desired;
    let kept: Map<string, SnapshotEntry> | undefined;
    let refs: Set<string> | undefined;
    // What was last sent, not only what was ACKed: Envoy and gRPC apply the valid resources of a
    // response they NACK, so a client may be using a cluster whose response it rejected.
    for (const [name, e] of t.heldEntries) {
      if (desired.has(name) || !(t.wildcard || t.names.has(name))) continue;
      refs ??= this.referencedClusters();
      if (!refs.has(name)) continue;
      kept ??= new Map(desired);
      kept.set(name, e);
    }
    return kept ?? desired;
  }

  private subscribe(t: Track, names: readonly string[]): boolean {
    // Empty names on LDS/CDS is the legacy wildcard; "*" is the explicit one. For RDS/EDS/SDS an
    // empty list means "nothing" (grpc-js-xds sends it when its last watcher goes away).
    const wildcard = names.includes("*") || (names.length === 0 && t.kind.fullStateInSotw);
    const explicit = names.filter((n) => n !== "*");
    const same = wildcard === t.wildcard && explicit.length === t.names.size && explicit.every((n) => t.names.has(n));
    if (same) return false;
    t.wildcard = wildcard;
    t.names.clear();
    for (const n of explicit) t.names.add(n);
    return true;
  }

  private push(t: Track, entries: ReadonlyMap<string, SnapshotEntry>): void {
    const version = versionOf(entries);
    const nonce = this.nextNonce();
    const resources: Any[] = [];
    // SotW has no "removed" list; for LDS/CDS a dropped name is a removal, worth counting in the event.
    let removed = 0;
    if (t.kind.fullStateInSotw) for (const name of t.held.keys()) if (!entries.has(name)) removed++;
    t.held.clear();
    t.heldEntries.clear();
    for (const [name, e] of entries) {
      resources.push(e.any);
      t.held.set(name, e.version);
      t.heldEntries.set(name, e);
    }
    this.recordSent(t, version, nonce, [...entries.values()], [], true, removed);
    this.send(create(DiscoveryResponseSchema, { versionInfo: version, typeUrl: t.kind.typeUrl, resources, nonce }));
  }
}
