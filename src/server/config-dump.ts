// The configuration in force, as `edgegate dump` and GET /config_dump show it: the last published
// snapshot decoded back to Envoy's canonical proto3 JSON, in the same shape `render` prints
// ({"listeners":[],"routes":[],"clusters":[],"endpoints":[],"secrets":[]}), plus, under "xds", the
// snapshot's versions and which clients ACKed or NACKed each type. Decoded from the bytes clients
// were sent, so it shows what was served, not what the inputs would give now.
// Imported on demand by the admin app: it pulls in Envoy's descriptors (~150 ms to build).
import { fromBinary, toJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import type { Snapshot } from "../xds/cache/snapshot.ts";
import { kinds, type TypeShort } from "../xds/cache/types.ts";
import { xdsRegistry } from "../xds/json.ts";
import { redactPrivateKey } from "../xds/render/pretty.ts";
import type { XdsResources } from "../xds/resources.ts";
import type { XdsView } from "./status-types.ts";

export type DumpField = keyof XdsResources;

export interface DumpClient {
  node: string;
  address: string;
  /** ACKed: has the version it should have. NACKed: rejected it. Pending: sent, no answer yet. */
  state: "ACKed" | "NACKed" | "pending";
  /** The version this client should have (per client: it may subscribe to some names only). */
  version: string;
  acked?: string;
  nack?: { version: string; message: string };
}

export interface DumpType {
  typeUrl: string;
  version: string;
  resources: number;
  clients: DumpClient[];
}

export interface ConfigDump extends Record<DumpField, JsonValue[]> {
  xds: { seq: number; version: string; publishedAt?: string; types: Partial<Record<TypeShort, DumpType>> };
}

export interface DumpFilter {
  /** lds|rds|cds|eds|sds or listeners|routes|clusters|endpoints|secrets; several allowed. */
  types?: string[];
  /** Exact resource names, or globs with `*`. */
  names?: string[];
}

/** The type names a filter accepts, for usage text and errors. */
export const dumpTypeNames: readonly string[] = kinds.flatMap((k) => [k.short, k.field]);

export function unknownDumpTypes(types: readonly string[]): string[] {
  return types.filter((t) => !dumpTypeNames.includes(t));
}

function nameMatcher(names: readonly string[] | undefined): (name: string) => boolean {
  if (!names || names.length === 0) return () => true;
  const res = names.map(
    (n) =>
      new RegExp(
        `^${n
          .split("*")
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*")}$`,
      ),
  );
  return (name) => res.some((r) => r.test(name));
}

function clientsOf(xds: XdsView, short: TypeShort): DumpClient[] {
  const out: DumpClient[] = [];
  for (const c of xds.clients) {
    const t = c.types.find((x) => x.type === short);
    if (!t) continue;
    out.push({
      node: c.nodeId,
      address: c.address,
      state: t.current ? "ACKed" : t.rejecting ? "NACKed" : "pending",
      version: t.desiredVersion,
      ...(t.acked ? { acked: t.acked.version } : {}),
      ...(t.lastNack ? { nack: { version: t.lastNack.version, message: t.lastNack.message } } : {}),
    });
  }
  return out.sort((a, b) => (a.node === b.node ? a.address.localeCompare(b.address) : a.node.localeCompare(b.node)));
}

export function configDump(snap: Snapshot, xds: XdsView, filter: DumpFilter = {}): ConfigDump {
  const wanted = (short: TypeShort, field: string): boolean => !filter.types?.length || filter.types.includes(short) || filter.types.includes(field);
  const matches = nameMatcher(filter.names);
  const dump: ConfigDump = {
    listeners: [],
    routes: [],
    clusters: [],
    endpoints: [],
    secrets: [],
    xds: { seq: snap.seq, version: snap.version, ...(snap.seq > 0 ? { publishedAt: new Date(snap.publishedAt).toISOString() } : {}), types: {} },
  };
  for (const k of kinds) {
    if (!wanted(k.short, k.field)) continue;
    const type = snap.types.get(k.typeUrl);
    // The snapshot keeps the emit stage's order, which is render's order.
    const entries = [...(type?.entries.values() ?? [])].filter((e) => matches(e.name));
    const json = entries.map((e) => toJson(k.schema, fromBinary(k.schema, e.any.value), { registry: xdsRegistry }) as JsonObject);
    // Like Envoy's config_dump and render's default: private keys never leave the process.
    dump[k.field] = k.short === "sds" ? json.map(redactPrivateKey) : json;
    dump.xds.types[k.short] = { typeUrl: k.typeUrl, version: type?.version ?? "", resources: type?.entries.size ?? 0, clients: clientsOf(xds, k.short) };
  }
  return dump;
}
