// Per stream, per resource type: what the client subscribed to, what it holds, and where its
// ACK/NACK state stands. Shared by the state-of-the-world and the delta protocol.
import type { ResourceKind } from "./types.js";
import type { Snapshot, SnapshotEntry } from "./snapshot.js";
import type { XdsNackMark, XdsTypeStatus, XdsVersionMark } from "./stats.js";
import { sumMixes } from "./hash.js";

export class Track {
  wildcard = false;
  readonly names = new Set<string>();
  /** name -> version the client holds, as far as the server knows (optimistic: set when sent). */
  readonly held = new Map<string, string>();
  /** The entries behind `held`, kept so a removal can be delayed by one push (make before break). */
  readonly heldEntries = new Map<string, SnapshotEntry>();
  /** Set once the first response of this type went out on this stream. */
  started = false;
  desiredVersion = "";
  sent?: XdsVersionMark;
  acked?: XdsVersionMark;
  lastNack?: XdsNackMark;
  rejecting = false;
  /** Responses not yet ACKed or NACKed: nonce -> version. SotW only honours the newest. */
  readonly pending = new Map<string, string>();

  constructor(readonly kind: ResourceKind) {}

  /** What the snapshot gives this subscription; also refreshes desiredVersion. */
  desired(snap: Snapshot): ReadonlyMap<string, SnapshotEntry> {
    const all = snap.types.get(this.kind.typeUrl);
    if (!all) return new Map();
    if (this.wildcard) {
      this.desiredVersion = all.version;
      return all.entries;
    }
    const out = new Map<string, SnapshotEntry>();
    for (const name of this.names) {
      const e = all.entries.get(name);
      if (e) out.set(name, e);
    }
    this.desiredVersion = versionOf(out);
    return out;
  }

  /** Remembers an in-flight response; bounded so a client that never ACKs cannot grow it. */
  addPending(nonce: string, version: string): void {
    this.pending.set(nonce, version);
    if (this.pending.size > 64) {
      const oldest = this.pending.keys().next();
      if (!oldest.done) this.pending.delete(oldest.value);
    }
  }

  status(): XdsTypeStatus {
    const s: XdsTypeStatus = {
      type: this.kind.short,
      typeUrl: this.kind.typeUrl,
      wildcard: this.wildcard,
      subscribedCount: this.names.size,
      resources: this.held.size,
      desiredVersion: this.desiredVersion,
      rejecting: this.rejecting,
      current: this.isCurrent(),
    };
    if (this.sent) s.sent = { ...this.sent };
    if (this.acked) s.acked = { ...this.acked };
    if (this.lastNack) s.lastNack = { ...this.lastNack };
    return s;
  }

  isCurrent(): boolean {
    return this.acked !== undefined && this.acked.version === this.desiredVersion;
  }
}

/** Same formula as the type version in snapshot.ts, so a wildcard subscriber's version equals it. */
export function versionOf(entries: ReadonlyMap<string, SnapshotEntry>): string {
  return sumMixes(mixes(entries));
}

function* mixes(entries: ReadonlyMap<string, SnapshotEntry>): Iterable<bigint> {
  for (const e of entries.values()) yield e.mix;
}
