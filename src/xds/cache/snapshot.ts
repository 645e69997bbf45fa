// A snapshot is one consistent, immutable view of every resource, already serialized: each resource
// is encoded once per publish and the same bytes go to every client, which is what keeps fan-out
// cheap. Versions are content hashes of those bytes.
import { toBinary, type Message } from "@bufbuild/protobuf";
import type { Any } from "@bufbuild/protobuf/wkt";
import type { TypeUrl, XdsResources } from "../resources.ts";
import { hashBytes, hashSet, mixOf, sumMixes } from "./hash.ts";
import { kinds } from "./types.ts";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../gen/envoy/config/route/v3/route_pb.ts";
import { RouteSchema, VirtualHostSchema, type VirtualHost } from "../../gen/envoy/config/route/v3/route_components_pb.ts";
import type { Listener } from "../../gen/envoy/config/listener/v3/listener_pb.ts";
import { refsOf } from "./refs.ts";

export interface SnapshotEntry {
  readonly name: string;
  /** Content hash of the encoded resource. */
  readonly version: string;
  /** This entry's term in set versions (hash.ts). */
  readonly mix: bigint;
  readonly any: Any;
  /** Clusters this resource routes to (RouteConfiguration, Listener with tcp_proxy): see refs.ts. */
  readonly refs?: readonly string[];
  /** A Listener with an api_listener: for proxyless gRPC clients that name it, never for wildcard LDS. */
  readonly apiListener?: boolean;
}

export interface TypeSnapshot {
  /** Hash over all (name, version) pairs of this type: changes iff some resource of the type changed. */
  readonly version: string;
  readonly entries: ReadonlyMap<string, SnapshotEntry>;
  /**
   * What a wildcard subscription gets: every entry except api listeners. Envoy subscribes to LDS by
   * wildcard and rejects a Listener with an api_listener; proxyless clients name theirs.
   */
  readonly wildcard: { readonly version: string; readonly entries: ReadonlyMap<string, SnapshotEntry> };
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

/** Encoded form of a message, by identity (see SnapshotCacheOptions.reuseByIdentity). */
export type EncodingMemo = WeakMap<Message, SnapshotEntry>;
/** Encoded virtual hosts, by identity: a RouteConfiguration is spliced together from them. */
const vhostBytes = new WeakMap<Message, Uint8Array>();

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** Concatenates encoded parts: `head`, then each record as field `tag` (length-delimited). */
function splice(head: Uint8Array, tag: number, records: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [head];
  let size = head.length;
  for (const b of records) {
    const prefix = Uint8Array.from([tag, ...varint(b.length)]);
    parts.push(prefix, b);
    size += prefix.length + b.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A message's encoding from `cache`, or encoded and kept there. */
function cachedBytes(cache: WeakMap<Message, Uint8Array>, msg: Message, encode: () => Uint8Array): Uint8Array {
  let b = cache.get(msg);
  if (!b) {
    b = encode();
    cache.set(msg, b);
  }
  return b;
}

/** Encoded routes, by identity: a virtual host is spliced together from them. */
const routeBytes = new WeakMap<Message, Uint8Array>();

// A virtual host with 3,000 routes (one proxyless hostname) takes ~15 ms to encode; when a route
// is added, the others are the same Route messages (emit/memo.ts). So, as for route
// configurations below: the other fields, then each routes record (field 3), cached.
function encodeVirtualHost(vh: VirtualHost): Uint8Array {
  const head = toBinary(VirtualHostSchema, { ...vh, routes: [] });
  return splice(
    head,
    0x1a,
    vh.routes.map((r) => cachedBytes(routeBytes, r, () => toBinary(RouteSchema, r))),
  );
}

// A RouteConfiguration with 40,000 routes takes ~80 ms to encode; when one route changes, only its
// virtual host is new. Protobuf allows a message's fields in any order and repeated fields as
// separate records, so the encoding is the other fields followed by each virtual_hosts record
// (field 2, length-delimited), the unchanged ones from cache. Parsers see the same message.
function encodeRouteConfiguration(msg: RouteConfiguration): Uint8Array {
  const head = toBinary(RouteConfigurationSchema, { ...msg, virtualHosts: [] });
  return splice(
    head,
    0x12,
    msg.virtualHosts.map((vh) => cachedBytes(vhostBytes, vh, () => encodeVirtualHost(vh))),
  );
}

export function buildSnapshot(resources: XdsResources, seq: number, now: number, memo?: EncodingMemo): Snapshot {
  const types = new Map<TypeUrl, TypeSnapshot>();
  for (const kind of kinds) {
    const entries = new Map<string, SnapshotEntry>();
    for (const msg of resources[kind.field] as Message[]) {
      const name = kind.name(msg);
      if (!name) throw new SnapshotError(`${kind.short}: a resource has an empty name`);
      // Two resources with one name would make the version depend on which one a client got.
      if (entries.has(name)) throw new SnapshotError(`${kind.short}: duplicate resource name ${JSON.stringify(name)}`);
      const known = memo?.get(msg);
      if (known) {
        entries.set(name, known);
        continue;
      }
      const value = memo && kind.short === "rds" ? encodeRouteConfiguration(msg as RouteConfiguration) : toBinary(kind.schema, msg);
      const version = hashBytes(value);
      // A literal instead of create(AnySchema): every field is set, and create() costs ~1 µs per
      // resource in reflection, which adds up at 20,000 resources.
      const any: Any = { $typeName: "google.protobuf.Any", typeUrl: kind.typeUrl, value };
      const refs = refsOf(kind.short, msg);
      const apiListener = kind.short === "lds" && (msg as Listener).apiListener !== undefined;
      const entry: SnapshotEntry = {
        name,
        version,
        mix: mixOf(name, version),
        any,
        ...(refs && refs.length > 0 ? { refs } : {}),
        ...(apiListener ? { apiListener } : {}),
      };
      entries.set(name, entry);
      memo?.set(msg, entry);
    }
    const version = sumMixes([...entries.values()].map((e) => e.mix));
    let wildcard = { version, entries: entries as ReadonlyMap<string, SnapshotEntry> };
    if (kind.short === "lds" && [...entries.values()].some((e) => e.apiListener)) {
      const visible = new Map([...entries].filter(([, e]) => !e.apiListener));
      wildcard = { version: sumMixes([...visible.values()].map((e) => e.mix)), entries: visible };
    }
    types.set(kind.typeUrl, { version, entries, wildcard });
  }
  const version = hashSet([...types].map(([url, t]) => [url, t.version] as const));
  return { seq, version, publishedAt: now, types };
}

export function emptySnapshot(now: number): Snapshot {
  return buildSnapshot({ listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] }, 0, now);
}
