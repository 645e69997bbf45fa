// /status as proto/edgegate/status/v1 describes it. The server writes the hand-written view
// (status-types.ts) with JSON.stringify, so the document keeps its key order and its explicit
// empty lists byte for byte (protobuf-es's toJson would order keys by field number and drop
// defaults); the proto fixes the names and types, checked both at compile time (below) and on
// every `edgegate status` (parseStatusDocument).
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { StatusDocumentSchema, type SourceStatusJson, type StatusDocumentJson } from "../gen/edgegate/status/v1/status_pb.ts";
import type { Conforms, Mismatches } from "../api/conforms.ts";
import type { XdsStats } from "../xds/cache/stats.ts";
import type { KubeModeStatus } from "../sources/kube/mode.ts";
import type { SourceStatus } from "./status-types.ts";
import type { StatusDocument } from "./apps.ts";

/**
 * What the server serializes: the view, except that the xDS section is the SnapshotCache's stats()
 * object as it is (XdsView names only what the server reads), so that is what must match the proto.
 */
type ServedStatusDocument = Omit<StatusDocument, "xds"> & { xds: XdsStats };
export type StatusDocumentConforms = Conforms<Mismatches<ServedStatusDocument, StatusDocumentJson>>;

/** Kubernetes mode's source section: the source's own fields, with what the mode adds to them. */
type KubeSourceSection = Omit<SourceStatus, keyof KubeModeStatus> & KubeModeStatus;
export type KubeSourceConforms = Conforms<Mismatches<KubeSourceSection, SourceStatusJson>>;

/**
 * Checks a /status answer against the schema: every field the proto knows must have its type
 * (fields it does not know are let through, for a newer appliance), and the sections readers
 * index into must be there. Throws an Error naming the field otherwise.
 */
export function parseStatusDocument(json: JsonValue): StatusDocument {
  fromJson(StatusDocumentSchema, json, { ignoreUnknownFields: true });
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("not a JSON object");
  for (const k of ["node", "envoy", "xds", "inputs", "source", "health", "readiness"] as const) {
    if (!(k in json)) throw new Error(`has no "${k}"`);
  }
  // fromJson has checked every known field's type; presence of the sections is checked above.
  return json as unknown as StatusDocument;
}
