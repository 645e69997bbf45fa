// The store holds every input object, whatever source it came from (files or the Kubernetes API).
// Everything after the store is identical in both modes.

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

export interface StoredObject {
  /** "Kind/namespace/name" ("Kind//name" for cluster-scoped kinds). */
  key: string;
  object: KubeObject;
  origin: Origin;
}

/** What a source reports: objects added or changed, and keys removed. */
export interface StoreChange {
  upsert: StoredObject[];
  remove: string[];
}

export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ""}/${name}`;
}
