// The kinds edgegate reads, and the checks every object gets (apiVersion, kind, metadata).
import type { KubeObject } from "../store/types.ts";
import type { FieldPath } from "../yaml/documents.ts";
import type { Reporter } from "./problems.ts";
import { closest, obj, str } from "./fields.ts";
import { isObj } from "../yaml/value.ts";
import * as n from "./names.ts";
import { validateGateway, validateGatewayClass } from "./kinds/gateway.ts";
import { validateListenerSet } from "./kinds/listenerset.ts";
import { validateGRPCRoute, validateHTTPRoute, validateL4Route, validateReferenceGrant, validateTLSRoute } from "./kinds/routes.ts";
import { validateIngress, validateIngressClass } from "./kinds/ingress.ts";
import { validateBackendTLSPolicy } from "./kinds/policy.ts";
import { validateCiliumGatewayClassConfig, validateGatewayClassConfig } from "./kinds/class-config.ts";
import { validateConfigMap, validateEndpointSlice, validateNamespace, validateSecret, validateService } from "./kinds/core.ts";
import { quoted } from "./problems.ts";
import { clip } from "../yaml/clip.ts";

export interface KindInfo {
  group: string;
  versions: readonly string[];
  kind: string;
  namespaced: boolean;
  validate(o: KubeObject, r: Reporter): void;
}

const gw = "gateway.networking.k8s.io";
const kinds: KindInfo[] = [
  { group: gw, versions: ["v1", "v1beta1"], kind: "GatewayClass", namespaced: false, validate: validateGatewayClass },
  { group: gw, versions: ["v1", "v1beta1"], kind: "Gateway", namespaced: true, validate: validateGateway },
  { group: gw, versions: ["v1"], kind: "ListenerSet", namespaced: true, validate: validateListenerSet },
  { group: gw, versions: ["v1", "v1beta1"], kind: "HTTPRoute", namespaced: true, validate: validateHTTPRoute },
  { group: gw, versions: ["v1"], kind: "GRPCRoute", namespaced: true, validate: validateGRPCRoute },
  { group: gw, versions: ["v1", "v1alpha2", "v1alpha3"], kind: "TLSRoute", namespaced: true, validate: validateTLSRoute },
  { group: gw, versions: ["v1", "v1alpha2"], kind: "TCPRoute", namespaced: true, validate: validateL4Route },
  { group: gw, versions: ["v1", "v1alpha2"], kind: "UDPRoute", namespaced: true, validate: validateL4Route },
  { group: gw, versions: ["v1", "v1beta1"], kind: "ReferenceGrant", namespaced: true, validate: validateReferenceGrant },
  { group: gw, versions: ["v1", "v1alpha3"], kind: "BackendTLSPolicy", namespaced: true, validate: validateBackendTLSPolicy },
  { group: "networking.k8s.io", versions: ["v1"], kind: "Ingress", namespaced: true, validate: validateIngress },
  { group: "networking.k8s.io", versions: ["v1"], kind: "IngressClass", namespaced: false, validate: validateIngressClass },
  { group: "", versions: ["v1"], kind: "Service", namespaced: true, validate: validateService },
  { group: "discovery.k8s.io", versions: ["v1"], kind: "EndpointSlice", namespaced: true, validate: validateEndpointSlice },
  { group: "", versions: ["v1"], kind: "Secret", namespaced: true, validate: validateSecret },
  { group: "", versions: ["v1"], kind: "ConfigMap", namespaced: true, validate: validateConfigMap },
  { group: "", versions: ["v1"], kind: "Namespace", namespaced: false, validate: validateNamespace },
  { group: "edgegate.io", versions: ["v1alpha1"], kind: "GatewayClassConfig", namespaced: true, validate: validateGatewayClassConfig },
  { group: "cilium.io", versions: ["v2alpha1"], kind: "CiliumGatewayClassConfig", namespaced: true, validate: validateCiliumGatewayClassConfig },
];

/** Other modules (the datapath's policy kind) add their kinds here at start-up. */
export function registerKind(k: KindInfo): void {
  if (!kinds.some((x) => x.group === k.group && x.kind === k.kind)) kinds.push(k);
}

export function findKind(kind: string): KindInfo | undefined {
  return kinds.find((k) => k.kind === kind);
}

// Kinds that appear next to Gateway API objects in real manifests (the conformance suite's, Helm
// charts) but that edgegate has no use for: reported as ignored, not as errors.
const ignored = new Set([
  "apps/Deployment",
  "apps/StatefulSet",
  "apps/DaemonSet",
  "apps/ReplicaSet",
  "/Pod",
  "/ServiceAccount",
  "/Endpoints",
  "rbac.authorization.k8s.io/Role",
  "rbac.authorization.k8s.io/RoleBinding",
  "rbac.authorization.k8s.io/ClusterRole",
  "rbac.authorization.k8s.io/ClusterRoleBinding",
  `${gw}/XListenerSet`,
  `${gw}/BackendLBPolicy`,
]);

export type ObjectVerdict =
  | { result: "ok"; object: KubeObject; info: KindInfo }
  | { result: "ignored"; object: KubeObject; reason: string }
  | { result: "invalid"; object?: KubeObject };

// A file holds thousands of objects and a handful of apiVersions: each is split once.
const apiVersions = new Map<string, { group: string; version: string }>();

function splitApiVersion(v: string): { group: string; version: string } {
  const known = apiVersions.get(v);
  if (known) return known;
  const i = v.lastIndexOf("/");
  const split = i < 0 ? { group: "", version: v } : { group: v.slice(0, i), version: v.slice(i + 1) };
  // Bounded: apiVersions come from the input, which may hold any number of distinct (wrong) ones.
  if (apiVersions.size < 256) apiVersions.set(v, split);
  return split;
}

/**
 * Checks the envelope (apiVersion, kind, metadata) and then the kind's own rules. Returns the
 * object with its namespace defaulted (a namespaced kind) or dropped (a cluster-scoped one), so the
 * rest of the pipeline never has to. What is dropped goes to `warnings`.
 */
export function validateObject(value: unknown, r: Reporter, warnings: Reporter): ObjectVerdict {
  if (!isObj(value)) {
    r.error([], `a document must be a Kubernetes object with apiVersion, kind and metadata (got ${Array.isArray(value) ? "a list" : typeof value})`);
    return { result: "invalid" };
  }
  const before = r.count;
  const apiVersion = str(r, value, "apiVersion", rootPath, requiredText);
  const kind = str(r, value, "kind", rootPath, requiredText);
  const meta = obj(r, value, "metadata", rootPath, true);
  if (kind === undefined || !meta) return { result: "invalid" };
  const { group, version } = splitApiVersion(apiVersion ?? "");
  const info = apiVersion === undefined ? undefined : kinds.find((k) => k.kind === kind && k.group === group);
  // The scope comes from the kind's name when its apiVersion is wrong: kinds are distinct by name
  // (refKey leaves the group out), and an invalid object must key as its valid version did, so
  // that version stays in force.
  const scope = info ?? kinds.find((k) => k.kind === kind);
  validateMeta(r, warnings, meta, scope?.namespaced ?? true, kind);
  const object = scoped(value as KubeObject, scope);
  if (apiVersion === undefined) return { result: "invalid", object };
  if (!info) {
    if (ignored.has(`${group}/${kind}`)) return { result: "ignored", object, reason: `edgegate does not serve ${kind} (${apiVersion}); ignored` };
    const sameKind = kinds.find((k) => k.kind === kind);
    if (sameKind)
      r.error(
        ["apiVersion"],
        `${kind} is served as ${sameKind.versions.map((v) => (sameKind.group ? `${sameKind.group}/${v}` : v)).join(" or ")}, not ${apiVersion}`,
      );
    else {
      const hint = closest(
        kind,
        kinds.map((k) => k.kind),
      );
      r.error(["kind"], `unknown kind ${quoted(kind)} in ${clip(apiVersion)}${hint ? ` (did you mean ${hint}?)` : ""}`);
    }
    return { result: "invalid", object };
  }
  if (!info.versions.includes(version)) {
    r.error(["apiVersion"], `${kind} is served as ${info.versions.map((v) => (group ? `${group}/${v}` : v)).join(" or ")}, not ${apiVersion}`);
    return { result: "invalid", object };
  }
  if (r.count === before) info.validate(object, r);
  return r.count === before ? { result: "ok", object, info } : { result: "invalid", object };
}

/** The object with its namespace as its kind's scope has it: defaulted, or none (cluster-scoped). */
function scoped(o: KubeObject, scope: KindInfo | undefined): KubeObject {
  if (scope?.namespaced && o.metadata.namespace === undefined) o.metadata = { ...o.metadata, namespace: "default" };
  else if (scope && !scope.namespaced && o.metadata.namespace !== undefined) {
    const { namespace: _, ...rest } = o.metadata;
    o.metadata = rest;
  }
  return o;
}

// Options built once: every object's envelope is checked with them.
const stringMaps = ["labels", "annotations"] as const;
const rootPath: FieldPath = [];
const metadataPath = ["metadata"];
const requiredText = { required: true, min: 1 };
const objectName = {
  required: true,
  max: 253,
  pattern: /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
  patternName: "a valid object name (lower case RFC 1123 subdomain)",
};

function validateMeta(r: Reporter, warnings: Reporter, meta: Record<string, unknown>, namespaced: boolean, kind: string): void {
  str(r, meta, "name", metadataPath, objectName);
  if (namespaced) str(r, meta, "namespace", metadataPath, n.namespace);
  // The API server clears a namespace sent with a cluster-scoped object (one GatewayClass per name,
  // whatever namespace a manifest gives it); Helm charts often set one on every object. Dropped
  // the same way here, and said so: a namespace that is not even a string is an error.
  else if (typeof meta.namespace === "string")
    warnings.error(["metadata", "namespace"], `${kind} is cluster-scoped: namespace ${quoted(meta.namespace)} is ignored`);
  else if (meta.namespace !== undefined) r.error(["metadata", "namespace"], `must be a string (${kind} is cluster-scoped: leave it out)`);
  for (const k of stringMaps) {
    const m = obj(r, meta, k, metadataPath);
    if (!m) continue;
    for (const key in m) {
      const v = m[key];
      if (typeof v !== "string") r.error(["metadata", k, key], `must be a string (quote it: "${String(v)}")`);
    }
  }
  const gen = meta.generation;
  if (gen !== undefined && (typeof gen !== "number" || !Number.isInteger(gen) || gen < 1)) r.error(["metadata", "generation"], "must be a positive integer");
}
