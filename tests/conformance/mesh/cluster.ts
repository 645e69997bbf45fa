// The mesh suite's base (mesh/manifests.yaml) as a standalone harness stands in for Kubernetes:
// each Deployment replica is a "pod" with an address and a name of the suite's shape, each Service
// gets a ClusterIP and an EndpointSlice of the pods its selector picks (the EndpointSlice
// controller's job), so edgegate sees what it would see in a cluster. Read in place from ../shared.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { SUITE_DIR } from "../harness/suite.ts";

export const MESH_DIR = join(SUITE_DIR, "mesh");

export interface Pod {
  namespace: string;
  deployment: string;
  name: string;
  ip: string;
  labels: Record<string, string>;
}

export interface ServiceDef {
  namespace: string;
  name: string;
  clusterIP: string;
  selector: Record<string, string>;
  ports: Array<{ name?: string; port: number; targetPort?: number; appProtocol?: string }>;
}

export interface MeshCluster {
  pods: Pod[];
  services: ServiceDef[];
  /** Base manifests as YAML text (Namespaces and Services; Deployments stay with the harness). */
  baseText: string;
  /** EndpointSlices the harness writes for every Service. */
  endpointSlicesText: string;
}

type Doc = { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: Record<string, unknown> };

const ALNUM = "bcdfghjklmnpqrstvwxz2456789";
function podName(deployment: string, i: number): string {
  const h = createHash("sha256").update(`${deployment}/${i}`).digest();
  return `${deployment}-${h.subarray(0, 5).toString("hex")}-${Array.from(h.subarray(5, 10), (b) => ALNUM[b % ALNUM.length]).join("")}`;
}

const selects = (sel: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(sel).every(([k, v]) => labels[k] === v);

export function meshCluster(): MeshCluster {
  const text = readFileSync(join(MESH_DIR, "manifests.yaml"), "utf8");
  const docs = parseAllDocuments(text)
    .map((d) => d.toJS() as Doc)
    .filter((d) => d?.kind);
  const pods: Pod[] = [];
  const services: ServiceDef[] = [];
  let d = 0;
  for (const doc of docs) {
    if (doc.kind !== "Deployment") continue;
    d++;
    const spec = doc.spec as { replicas?: number; template: { metadata: { labels: Record<string, string> } } };
    for (let i = 0; i < (spec.replicas ?? 1); i++) {
      pods.push({
        namespace: doc.metadata!.namespace!,
        deployment: doc.metadata!.name!,
        name: podName(doc.metadata!.name!, i),
        ip: `10.244.${d}.${i + 10}`,
        labels: spec.template.metadata.labels,
      });
    }
  }
  let s = 0;
  const kept: string[] = [];
  for (const doc of docs) {
    if (doc.kind === "Namespace") kept.push(JSON.stringify(doc));
    if (doc.kind !== "Service") continue;
    s++;
    const spec = doc.spec as { selector: Record<string, string>; ports: ServiceDef["ports"] };
    const def: ServiceDef = {
      namespace: doc.metadata!.namespace!,
      name: doc.metadata!.name!,
      clusterIP: `10.96.0.${s + 10}`,
      selector: spec.selector,
      ports: spec.ports,
    };
    services.push(def);
    // The API server assigns the ClusterIP; the harness does it here.
    kept.push(JSON.stringify({ ...doc, spec: { ...doc.spec, clusterIP: def.clusterIP } }));
  }
  const slices = services.map((svc) => {
    const ready = pods.filter((p) => p.namespace === svc.namespace && selects(svc.selector, p.labels));
    return JSON.stringify({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${svc.name}-harness`, namespace: svc.namespace, labels: { "kubernetes.io/service-name": svc.name } },
      addressType: "IPv4",
      endpoints: ready.map((p) => ({ addresses: [p.ip], conditions: { ready: true } })),
      ports: svc.ports.map((p) => ({ name: p.name, port: p.targetPort ?? p.port, protocol: "TCP", appProtocol: p.appProtocol })),
    });
  });
  return { pods, services, baseText: kept.join("\n---\n") + "\n", endpointSlicesText: slices.join("\n---\n") + "\n" };
}
