// A snapshot is one consistent, immutable view of every resource, already serialized: each resource
// is encoded once per publish and the same bytes go to every client, which is what keeps fan-out
// cheap. Versions are content hashes of those bytes.
import { create, toBinary, type Message } from "@bufbuild/protobuf";
import { AnySchema, type Any } from "@bufbuild/protobuf/wkt";
import type { TypeUrl, XdsResources } from "../resources.js";
import { hashBytes, hashSet } from "./hash.js";
import { kinds } from "./types.js";

export interface SnapshotEntry {
  readonly name: string;
  /** Content hash of the encoded resource. */
  readonly version: string;
  readonly any: Any;
}

export interface TypeSnapshot {
  /** Hash over all (name, version) pairs of this type: changes iff some resource of the type changed. */
  readonly version: string;
  readonly entries: ReadonlyMap<string, SnapshotEntry>;
}

export interface Snapshot {
  /** Monotonic per cache; 0 is the empty snapshot served before the first publish. */
  readonly seq: number;
  /** Hash over the per-type versions: the "config version" shown in /status. */
  readonly version: string;
  readonly publishedAt: number;
  readonly types: ReadonlyMap<TypeUrl, TypeSnapshot>;
}

export class SnapshotError extends Error {
  override name = "SnapshotError";
}

export function buildSnapshot(resources: XdsResources, seq: number, now: number): Snapshot {
  const types = new Map<TypeUrl, TypeSnapshot>();
  for (const kind of kinds) {
    const entries = new Map<string, SnapshotEntry>();
    for (const msg of resources[kind.field] as Message[]) {
      const name = kind.name(msg);
      if (!name) throw new SnapshotError(`${kind.short}: a resource has an empty name`);
      // Two resources with one name would make the version depend on which one a client got.
      if (entries.has(name)) throw new SnapshotError(`${kind.short}: duplicate resource name ${JSON.stringify(name)}`);
      const value = toBinary(kind.schema, msg);
      entries.set(name, { name, version: hashBytes(value), any: create(AnySchema, { typeUrl: kind.typeUrl, value }) });
    }
    types.set(kind.typeUrl, { version: hashSet([...entries.values()].map((e) => [e.name, e.version] as const)), entries });
  }
  const version = hashSet([...types].map(([url, t]) => [url, t.version] as const));
  return { seq, version, publishedAt: now, types };
}

export function emptySnapshot(now: number): Snapshot {
  return buildSnapshot({ listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] }, 0, now);
}
