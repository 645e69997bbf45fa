// The store holds every input object, whatever source it came from (files or the Kubernetes API).
// Everything after the store is identical in both modes.
import { noFTL } from "bun:jsc";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generation?: number;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Metadata of a namespaced kind once admitted: admission defaults the namespace, so it is always there. */
export interface NamespacedMeta extends ObjectMeta {
  namespace: string;
}

/** A Kubernetes-shaped object as read from YAML or the API, before validation. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Where an object came from, so problems can point at it. */
export type Origin =
  | { source: "file"; file: string; line: number /** the document's text, to locate fields on error */; text: string }
  | { source: "kubernetes"; resourceVersion: string };

/**
 * Which object: its Kubernetes identity. The namespace is defaulted at admission (src/store/admit.ts),
 * so it is always there: "" for a cluster-scoped kind.
 */
export interface ObjectRef {
  /** API group: "" for the core group (Service, Secret), "gateway.networking.k8s.io", ... */
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

/**
 * The one string form of an ObjectRef, for Map keys and messages: "Kind/namespace/name"
 * ("Kind//name" for a cluster-scoped kind). The group is left out: the kinds edgegate reads are
 * distinct by name (src/validate/object.ts).
 */
export function refKey(r: { kind: string; namespace?: string; name: string }): string {
  return `${r.kind}/${r.namespace ?? ""}/${r.name}`;
}

/**
 * The parts of a store key, where only the key is at hand (a problem about an object that is not in
 * the store, such as a missing Service), or of a name that starts with one (IR route names,
 * "Kind/namespace/name/rule/0/..."). Kinds, namespaces and names cannot contain "/".
 */
export function parseRefKey(key: string): { kind: string; namespace: string; name: string } {
  const [kind = "", namespace = "", name = ""] = key.split("/");
  return { kind, namespace, name };
}

/** The API group of an apiVersion ("gateway.networking.k8s.io/v1" -> "gateway.networking.k8s.io", "v1" -> ""). */
export function groupOf(apiVersion: string): string {
  let group = groups.get(apiVersion);
  if (group === undefined) {
    const i = apiVersion.lastIndexOf("/");
    group = i < 0 ? "" : apiVersion.slice(0, i);
    // Bounded: apiVersions come from the input.
    if (groups.size < 256) groups.set(apiVersion, group);
  }
  return group;
}

// One group string per apiVersion, not one per object: every stored object's ref holds one.
const groups = new Map<string, string>();

export function refOf(o: { apiVersion: string; kind: string; metadata: { namespace?: string; name: string } }): ObjectRef {
  return { group: groupOf(o.apiVersion), kind: o.kind, namespace: o.metadata.namespace ?? "", name: o.metadata.name };
}

export interface StoredObject {
  /** refKey(ref). */
  key: string;
  ref: ObjectRef;
  object: KubeObject;
  origin: Origin;
}

/** The store key of a typed object (for a cluster-scoped kind, the namespace is empty). */
export function keyOf(o: { kind: string; metadata: { namespace?: string; name: string } }): string {
  return refKey({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
}

/** An admitted object as the store keeps it. */
export function storedObject(object: KubeObject, origin: Origin): StoredObject {
  const ref = refOf(object);
  return { key: refKey(ref), ref, object, origin };
}

// Once per object loaded: kept below FTL (see src/validate/kinds/routes.ts).
noFTL(storedObject);
