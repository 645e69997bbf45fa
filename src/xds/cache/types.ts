// What the cache needs to know about each xDS resource type: how to serialize a resource, where its
// name lives, and whether state-of-the-world omission means deletion. Kept in one table so adding a
// type (e.g. runtime) is one entry, not edits spread over the protocol code.
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { ListenerSchema, type Listener } from "../../gen/envoy/config/listener/v3/listener_pb.ts";
import { RouteConfigurationSchema, type RouteConfiguration } from "../../gen/envoy/config/route/v3/route_pb.ts";
import { ClusterSchema, type Cluster } from "../../gen/envoy/config/cluster/v3/cluster_pb.ts";
import { ClusterLoadAssignmentSchema, type ClusterLoadAssignment } from "../../gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { SecretSchema, type Secret } from "../../gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.ts";
import { TypeUrl, type XdsResources } from "../resources.ts";

export interface ResourceKind<M extends Message = Message> {
  typeUrl: TypeUrl;
  /** Short name used in logs, /status and metric labels. */
  short: "lds" | "rds" | "cds" | "eds" | "sds";
  /** Field of XdsResources that holds this type. */
  field: keyof XdsResources;
  schema: DescMessage;
  name: (m: M) => string;
  /**
   * In state of the world, LDS and CDS responses carry the full set (a missing name means "deleted"),
   * while RDS/EDS/SDS responses only carry what was asked for. See the xDS protocol spec,
   * "Resource types and state of the world".
   */
  fullStateInSotw: boolean;
}

const listener: ResourceKind<Listener> = {
  typeUrl: TypeUrl.listener,
  short: "lds",
  field: "listeners",
  schema: ListenerSchema,
  name: (m) => m.name,
  fullStateInSotw: true,
};
const route: ResourceKind<RouteConfiguration> = {
  typeUrl: TypeUrl.route,
  short: "rds",
  field: "routes",
  schema: RouteConfigurationSchema,
  name: (m) => m.name,
  fullStateInSotw: false,
};
const cluster: ResourceKind<Cluster> = {
  typeUrl: TypeUrl.cluster,
  short: "cds",
  field: "clusters",
  schema: ClusterSchema,
  name: (m) => m.name,
  fullStateInSotw: true,
};
const endpoint: ResourceKind<ClusterLoadAssignment> = {
  typeUrl: TypeUrl.endpoint,
  short: "eds",
  field: "endpoints",
  schema: ClusterLoadAssignmentSchema,
  name: (m) => m.clusterName,
  fullStateInSotw: false,
};
const secret: ResourceKind<Secret> = {
  typeUrl: TypeUrl.secret,
  short: "sds",
  field: "secrets",
  schema: SecretSchema,
  name: (m) => m.name,
  fullStateInSotw: false,
};

// The variance of ResourceKind<M> in M is not expressible without a cast: each entry is only ever
// used with the messages of its own field, which snapshot.ts guarantees.
export const kinds: readonly ResourceKind[] = [listener, route, cluster, endpoint, secret] as unknown as ResourceKind[];

const byUrl = new Map<string, ResourceKind>(kinds.map((k) => [k.typeUrl, k]));
export function kindOf(typeUrl: string): ResourceKind | undefined {
  return byUrl.get(typeUrl);
}

export type TypeShort = ResourceKind["short"];

/**
 * Order in which removals go out: the reverse of the dependency chain, so nothing still refers to a
 * resource when it disappears (listener, then its route config, then secrets; a cluster before its
 * load assignment so a cluster never exists without its endpoints). Additions use `pushOrder`.
 */
export const removeOrder: readonly TypeUrl[] = [TypeUrl.listener, TypeUrl.route, TypeUrl.secret, TypeUrl.cluster, TypeUrl.endpoint];
