// State-of-the-world ADS (StreamAggregatedResources): every response carries the complete set the
// client subscribed to; ACK/NACK is by the nonce of the newest response of that type.
import { create } from "@bufbuild/protobuf";
import type { Any } from "@bufbuild/protobuf/wkt";
import { DiscoveryResponseSchema, type DiscoveryRequest, type DiscoveryResponse } from "../../gen/envoy/service/discovery/v3/discovery_pb.js";
import { pushOrder } from "../resources.js";
import type { Snapshot, SnapshotEntry } from "./snapshot.js";
import { XdsStream, type PeerInfo, type StreamHost } from "./stream.js";
import type { Track } from "./track.js";
import { versionOf } from "./track.js";
import { removeOrder } from "./types.js";

export class SotwStream extends XdsStream {
  readonly kind = "sotw" as const;

  constructor(host: StreamHost, peer: PeerInfo, private readonly send: (r: DiscoveryResponse) => void) {
    super(host, peer);
  }

  onRequest(req: DiscoveryRequest): void {
    this.noteNode(req.node);
    const t = this.track(req.typeUrl);
    if (!t) return;
    if (req.responseNonce !== "") {
      // Only the newest response of a type can be ACKed; an older nonce means the client has not
      // seen our latest response yet and will answer it separately (xDS spec: ignore stale nonces).
      if (req.responseNonce !== t.sent?.nonce) return;
      const version = t.pending.get(req.responseNonce) ?? "";
      t.pending.clear();
      if (req.errorDetail) this.recordNack(t, req.responseNonce, version, req.errorDetail);
      else this.recordAck(t, req.responseNonce, version);
    }
    const changed = this.subscribe(t, req.resourceNames);
    const desired = t.desired(this.host.snapshot());
    // A request without a nonce asks for a response (first request of the type, also after a
    // reconnect). Otherwise only answer when the subscription changes what the client should hold:
    // after a NACK nothing changed, so the rejected version is not sent again in a loop.
    if (req.responseNonce === "" || (changed && versionOf(desired) !== t.sent?.version)) this.push(t, desired);
  }

  onSnapshot(next: Snapshot): void {
    // Make before break: first add and update (dependencies first) while keeping removed LDS/CDS
    // entries one push longer, then drop the removed ones (dependents first).
    const removals: Track[] = [];
    for (const t of this.tracksIn(pushOrder)) {
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
    for (const t of this.tracksIn(removeOrder)) if (removals.includes(t)) this.push(t, t.desired(next));
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
    this.recordSent(t, version, nonce, resources.length, removed);
    this.send(create(DiscoveryResponseSchema, { versionInfo: version, typeUrl: t.kind.typeUrl, resources, nonce }));
  }
}
