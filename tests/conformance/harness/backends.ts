// Services -> local echo "pods": each Deployment replica gets its own loopback address
// (127.2.x.y), a pod name of the suite's shape (<deployment>-<10 hex>-<5 alnum>), and the
// Service's targetPort; EndpointSlices carry them to edgegate (the harness stands in for the
// EndpointSlice controller, REPORT.md §5).
import { createHash } from "node:crypto";
import type { BackendsJson, ServiceJson } from "./suite.ts";

export interface Pod {
  namespace: string;
  deployment: string;
  name: string;
  ip: string;
  mode: string;
  tlsSecret: string | null;
}

export interface ServiceEndpoints {
  namespace: string;
  service: string;
  def: ServiceJson;
  pods: Pod[];
}

const ALNUM = "bcdfghjklmnpqrstvwxz2456789";

function podName(deployment: string, i: number): string {
  const h = createHash("sha256").update(`${deployment}/${i}`).digest();
  const rs = h.subarray(0, 5).toString("hex");
  const pod = Array.from(h.subarray(5, 10), (b) => ALNUM[b % ALNUM.length]).join("");
  return `${deployment}-${rs}-${pod}`;
}

/** Every pod of every Deployment (first definition of each), keyed by IP. */
export function allPods(b: BackendsJson): Map<string, Pod> {
  const byIp = new Map<string, Pod>();
  let n = 0;
  for (const key of Object.keys(b.deployments).sort()) {
    const d = b.deployments[key]![0]!;
    const [ns, name] = key.split("/") as [string, string];
    for (let i = 0; i < d.replicas; i++) {
      n++;
      const ip = `127.2.${Math.floor(n / 250)}.${(n % 250) + 1}`;
      byIp.set(ip, { namespace: ns, deployment: name, name: podName(name, i), ip, mode: d.mode, tlsSecret: d.tlsSecret });
    }
  }
  return byIp;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The endpoints of the Services defined in `files` (suite-relative, e.g. "base/manifests.yaml"). */
export function serviceEndpoints(b: BackendsJson, pods: Map<string, Pod>, files: readonly string[]): ServiceEndpoints[] {
  const out: ServiceEndpoints[] = [];
  for (const [key, defs] of Object.entries(b.services)) {
    const def = defs.find((d) => files.includes(d.definedIn));
    if (!def?.selector) continue;
    const [ns, name] = key.split("/") as [string, string];
    const sel = def.selector;
    const selected = [...pods.values()].filter((p) => {
      if (p.namespace !== ns) return false;
      const dep = b.deployments[`${p.namespace}/${p.deployment}`]?.find((d) => files.includes(d.definedIn));
      return dep !== undefined && selects(sel, dep.labels);
    });
    out.push({ namespace: ns, service: name, def, pods: selected });
  }
  return out;
}

/** EndpointSlice YAML (discovery.k8s.io/v1) for each Service, as the EndpointSlice controller writes them. */
export function endpointSliceManifests(list: readonly ServiceEndpoints[]): string {
  const docs: string[] = [];
  for (const s of list) {
    const ports = s.def.ports
      .filter((p) => typeof p.targetPort === "number" || p.targetPort === undefined)
      .map((p) => {
        const lines = [
          `  - name: "${p.name ?? ""}"`,
          `    port: ${typeof p.targetPort === "number" ? p.targetPort : p.port}`,
          `    protocol: ${p.protocol ?? "TCP"}`,
        ];
        if (p.appProtocol) lines.push(`    appProtocol: ${p.appProtocol}`);
        return lines.join("\n");
      });
    const eps = s.pods.map(
      (p) =>
        `  - addresses: ["${p.ip}"]\n    conditions: {ready: true, serving: true, terminating: false}\n    targetRef: {kind: Pod, namespace: ${p.namespace}, name: ${p.name}}`,
    );
    docs.push(
      [
        "apiVersion: discovery.k8s.io/v1",
        "kind: EndpointSlice",
        "metadata:",
        `  name: ${s.service}-conformance`,
        `  namespace: ${s.namespace}`,
        "  labels:",
        `    kubernetes.io/service-name: ${s.service}`,
        "    endpointslice.kubernetes.io/managed-by: conformance-harness",
        "addressType: IPv4",
        `ports:${ports.length === 0 ? " []" : "\n" + ports.join("\n")}`,
        `endpoints:${eps.length === 0 ? " []" : "\n" + eps.join("\n")}`,
        "",
      ].join("\n"),
    );
  }
  return docs.join("---\n");
}
