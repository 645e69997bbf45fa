// Per stream, per resource type: what the client subscribed to, what it holds, and where its
// ACK/NACK state stands. Shared by the state-of-the-world and the delta protocol.
import type { ResourceKind } from "./types.ts";
import type { Snapshot, SnapshotEntry } from "./snapshot.ts";
import type { XdsNackMark, XdsTypeStatus, XdsVersionMark } from "./stats.ts";
import { sumMixes } from "./hash.ts";

export interface InFlight {
  readonly version: string;
  readonly updated: readonly SnapshotEntry[];
  readonly removed: readonly string[];
  /** The response replaces everything the client holds of the type (SotW). */
  readonly full: boolean;
}

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
  oversizeBytes?: number;
  /**
   * Responses not yet ACKed or NACKed, by nonce (SotW only honours the newest): the version each
   * carries, and what it carries (delta: its changes; SotW: the full set). With what the client
   * has accepted, make-before-break keeps a cluster while either still routes to it.
   */
  readonly pending = new Map<string, InFlight>();
  readonly accepted = new Map<string, SnapshotEntry>();

  constructor(readonly kind: ResourceKind) {}

  /** What the snapshot gives this subscription; also refreshes desiredVersion. */
  desired(snap: Snapshot): ReadonlyMap<string, SnapshotEntry> {
    const all = snap.types.get(this.kind.typeUrl);
    if (!all) return new Map();
    if (this.wildcard) {
      this.desiredVersion = all.wildcard.version;
      return all.wildcard.entries;
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
  addPending(nonce: string, r: InFlight): void {
    this.pending.set(nonce, r);
    if (this.pending.size > 64) {
      const oldest = this.pending.keys().next();
      if (!oldest.done) this.pending.delete(oldest.value);
    }
  }

  /** The client applied response `r` (ACK): it now holds what that response gave it. */
  accept(r: InFlight): void {
    if (r.full) this.accepted.clear();
    for (const e of r.updated) this.accepted.set(e.name, e);
    for (const n of r.removed) this.accepted.delete(n);
  }

  /** Forgets answered (or, in SotW, superseded: `all`) responses. */
  settle(nonce: string, all: boolean): void {
    if (all) this.pending.clear();
    else this.pending.delete(nonce);
  }

  /** Clusters referred to by what the client accepted or may still accept (unanswered responses). */
  addRefs(into: Set<string>): void {
    for (const e of this.accepted.values()) if (e.refs) for (const c of e.refs) into.add(c);
    for (const r of this.pending.values()) for (const e of r.updated) if (e.refs) for (const c of e.refs) into.add(c);
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
    if (this.oversizeBytes !== undefined) s.oversizeBytes = this.oversizeBytes;
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
