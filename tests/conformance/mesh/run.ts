// The GAMMA (mesh) tests of the v1.6.1 suite, offline: each test's manifests with the mesh base go
// through edgegate's parser and pipeline; each request case is sent, as the datapath would send a
// node-local client's connection to the Service's ClusterIP:port, to the mesh listener edgegate
// emits for that Service port (or, without one, straight to the Service's pods, as kube-proxy
// would), evaluated by the offline Envoy evaluator, and judged by the mesh suite's own rules
// (mesh-cases.json "conventions": status, request headers, absent headers, response headers, pod).
//   bun tests/conformance/mesh/run.ts [--update-baseline]
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { compile } from "../../../src/pipeline/compile.ts";
import { defaultConfig } from "../../../src/config/types.ts";
import { parseFile } from "../../../src/sources/files/parse.ts";
import type { StoredObject } from "../../../src/store/types.ts";
import { xdsToJson } from "../../../src/xds/json.ts";
import { evaluateHttp, type Outcome } from "../envoy-eval/evaluate.ts";
import { applyMutations, getAll, type HeaderList } from "../envoy-eval/headers.ts";
import { asRenderJson, type RenderJson } from "../envoy-eval/types.ts";
import { SUITE_DIR } from "../harness/suite.ts";
import { MESH_DIR, meshCluster, type MeshCluster, type Pod } from "./cluster.ts";

export const MESH_REPORT_FILE = resolve(import.meta.dir, "../../../build/conformance-mesh-report.yaml");
export const MESH_BASELINE_FILE = resolve(import.meta.dir, "../baseline-mesh.json");

interface MeshCase {
  testCaseName: string;
  request: { host?: string; path?: string; method?: string; headers?: Record<string, string>; protocol?: string };
  destination: { service?: string; podOf?: string; namespace: string; port: number };
  effectiveExpectedRequest: { headers?: Record<string, string>; absentHeaders?: string[] };
  response: { statusCodes: number[]; headers?: Record<string, string>; absentHeaders?: string[] };
  backend: string;
}
interface MeshGroup {
  from: { app: string; namespace: string };
  cases: MeshCase[];
  weightedDistribution?: { expectedWeights: Record<string, number>; tolerance: number };
}
interface MeshTest {
  name: string;
  manifests: string[];
  profiles: Record<string, "core" | "extended">;
  provisional: boolean;
  groups: MeshGroup[];
}

export interface MeshResult {
  name: string;
  profiles: Record<string, "core" | "extended">;
  passed: boolean;
  failures: string[];
  cases: number;
}

/** What one request got: status, the request as the backend saw it, response headers, the pods that may answer. */
interface Answer {
  status: number;
  via: string;
  request?: HeaderList;
  responseHeaders: HeaderList;
  /** Pods that may answer, with the share of requests each gets. */
  pods: Array<{ pod: Pod; share: number }>;
}

function parse(file: string, text: string): { objects: StoredObject[]; problems: string[] } {
  const r = parseFile(file, text);
  return { objects: r.objects, problems: r.problems.map((p) => `${p.file}:${p.line}: ${p.message}`) };
}

const selector = (s: string): Record<string, string> => Object.fromEntries(s.split(",").map((kv) => kv.split("=") as [string, string]));

function podsOf(cluster: MeshCluster, ns: string, sel: Record<string, string>): Pod[] {
  return cluster.pods.filter((p) => p.namespace === ns && Object.entries(sel).every(([k, v]) => p.labels[k] === v));
}

/** Without a mesh listener the connection reaches the Service's pods unchanged (kube-proxy). */
function direct(cluster: MeshCluster, c: MeshCase): Answer {
  const d = c.destination;
  const pods = d.podOf
    ? podsOf(cluster, d.namespace, selector(d.podOf)).slice(0, 1)
    : podsOf(cluster, d.namespace, cluster.services.find((s) => s.namespace === d.namespace && s.name === d.service)?.selector ?? { none: "" });
  return {
    status: pods.length > 0 ? 200 : 503,
    via: "direct to the Service's pods",
    request: Object.entries(c.request.headers ?? {}),
    responseHeaders: [],
    pods: pods.map((pod) => ({ pod, share: 1 / pods.length })),
  };
}

function viaMesh(render: RenderJson, cluster: MeshCluster, envoyPort: number, c: MeshCase): Answer {
  const grpc = c.request.protocol === "grpc";
  // http.CalculateHost: the default port is not part of the Host header.
  const authority = (c.request.host ?? "echo").replace(/:80$/, "");
  const o: Outcome = evaluateHttp(render, {
    scheme: "http",
    address: "127.0.0.1",
    port: envoyPort,
    authority,
    method: grpc ? "POST" : (c.request.method ?? "GET"),
    // The echo client calls its own Echo service over gRPC.
    path: grpc ? "/proto.EchoTestService/Echo" : (c.request.path ?? "/"),
    headers: grpc ? { ...c.request.headers, "content-type": "application/grpc" } : (c.request.headers ?? {}),
  });
  if (o.kind === "connection-error") return { status: 0, via: `${o.reason}: ${o.detail}`, responseHeaders: [], pods: [] };
  if (o.kind === "local") return { status: o.status, via: `local reply: ${o.reason}`, responseHeaders: o.headers, pods: [] };
  if (o.kind !== "upstream") return { status: 0, via: "tcp_proxy for an HTTP request", responseHeaders: [], pods: [] };
  const total = o.choices.reduce((a, ch) => a + ch.weight, 0);
  const byIp = new Map(cluster.pods.map((p) => [p.ip, p]));
  const pods: Answer["pods"] = [];
  let request: HeaderList | undefined;
  let responseHeaders: HeaderList = [];
  for (const ch of o.choices) {
    const eps = ch.endpoints.map((e) => byIp.get(e.address)).filter((p): p is Pod => p !== undefined);
    if (!ch.clusterFound || eps.length === 0)
      return { status: 503, via: `cluster ${ch.cluster}: ${ch.clusterFound ? "no endpoints" : "not found"}`, responseHeaders: [], pods: [] };
    for (const pod of eps) pods.push({ pod, share: ch.weight / total / eps.length });
    request = ch.request.headers;
    responseHeaders = applyMutations([], ch.responseMutations);
  }
  return { status: 200, via: `${o.info.routeConfig} / ${o.info.route}`, request, responseHeaders, pods };
}

function judge(c: MeshCase, a: Answer): string | undefined {
  const codes = (c.response.statusCodes.length > 0 ? c.response.statusCodes : [200]).map((s) => (s === 0 ? 200 : s));
  if (!codes.includes(a.status)) return `status ${a.status}, expected ${codes.join("/")} (${a.via})`;
  const reqHeader = (name: string): string | undefined => {
    const v = getAll(a.request ?? [], name);
    return v.length === 0 ? undefined : v.join(",");
  };
  for (const [k, v] of Object.entries(c.effectiveExpectedRequest.headers ?? {})) {
    if (!a.request) return `request header ${k} expected at the backend, but no backend answered (${a.via})`;
    if (reqHeader(k) !== v) return `request header ${k}: ${reqHeader(k)} != ${v} (${a.via})`;
  }
  for (const k of c.effectiveExpectedRequest.absentHeaders ?? []) if (reqHeader(k) !== undefined) return `request header ${k} should be absent (${a.via})`;
  for (const k of c.response.absentHeaders ?? []) if (getAll(a.responseHeaders, k).length > 0) return `response header ${k} should be absent (${a.via})`;
  for (const [k, v] of Object.entries(c.response.headers ?? {}))
    if (getAll(a.responseHeaders, k)[0] !== v) return `response header ${k}: ${getAll(a.responseHeaders, k)[0]} != ${v} (${a.via})`;
  // Eventually consistent: every pod that may answer must be the expected one.
  const wrong = a.pods.find((p) => !p.pod.name.startsWith(c.backend));
  if (c.backend !== "" && wrong) return `answered by ${wrong.pod.name}, expected ${c.backend}-* (${a.via})`;
  return undefined;
}

/** The suite's weighted check, on exact shares instead of 500 samples: |share - weight| <= tolerance. */
function judgeWeights(w: NonNullable<MeshGroup["weightedDistribution"]>, a: Answer): string | undefined {
  const got = new Map<string, number>();
  for (const p of a.pods) {
    const backend = p.pod.name.split("-").slice(0, -2).join("-");
    got.set(backend, (got.get(backend) ?? 0) + p.share);
  }
  for (const b of got.keys()) if (!(b in w.expectedWeights)) return `backend ${b} answers but is not among the expected weights`;
  for (const [b, want] of Object.entries(w.expectedWeights)) {
    const share = got.get(b) ?? 0;
    if (Math.abs(share - want) > w.tolerance) return `backend ${b} gets ${share.toFixed(3)} of requests, expected ${want} ± ${w.tolerance}`;
  }
  return undefined;
}

export function runMesh(): MeshResult[] {
  const suite = JSON.parse(readFileSync(join(SUITE_DIR, "mesh-cases.json"), "utf8")) as { meshTests: MeshTest[] };
  const cluster = meshCluster();
  const base = [parse("mesh/manifests.yaml", cluster.baseText), parse("harness/endpointslices.yaml", cluster.endpointSlicesText)];
  const results: MeshResult[] = [];
  for (const t of suite.meshTests) {
    const failures: string[] = [];
    const own = t.manifests.map((m) => {
      const file = join(MESH_DIR, "tests", m.replace(/^conformance\/tests\/mesh\//, ""));
      return parse(file, readFileSync(file, "utf8"));
    });
    for (const p of [...base, ...own]) failures.push(...p.problems.map((x) => `input: ${x}`));
    const objects = [...base, ...own].flatMap((p) => p.objects);
    const r = compile({ objects, config: defaultConfig("mesh-node") });
    const render = asRenderJson(xdsToJson(r.xds));
    // Mesh listeners are named "mesh/<namespace>/<service>/<port>" (src/mesh) and bind 127.0.0.1:<their port>.
    const listeners = new Map(r.ir.listeners.filter((l) => l.name.startsWith("mesh/")).map((l) => [l.name.slice("mesh/".length), l.port]));
    let cases = 0;
    for (const g of t.groups) {
      for (const c of g.cases) {
        cases++;
        const d = c.destination;
        const envoyPort = d.service ? listeners.get(`${d.namespace}/${d.service}/${d.port}`) : undefined;
        const a = envoyPort !== undefined ? viaMesh(render, cluster, envoyPort, c) : direct(cluster, c);
        const f = judge(c, a);
        if (f) failures.push(`${c.testCaseName}: ${f}`);
        if (!f && g.weightedDistribution) {
          const w = judgeWeights(g.weightedDistribution, a);
          if (w) failures.push(`${c.testCaseName}: weighted distribution: ${w}`);
        }
      }
    }
    results.push({ name: t.name, profiles: t.profiles, passed: failures.length === 0, failures, cases });
  }
  return results;
}

export function meshSummary(results: readonly MeshResult[]): string {
  const lines: string[] = [];
  for (const profile of ["MESH-HTTP", "MESH-GRPC"]) {
    for (const level of ["core", "extended"] as const) {
      const inIt = results.filter((r) => r.profiles[profile] === level);
      if (inIt.length === 0) continue;
      lines.push(`${profile} ${level}: ${inIt.filter((r) => r.passed).length} of ${inIt.length} tests (${inIt.reduce((a, r) => a + r.cases, 0)} cases)`);
    }
  }
  const none = results.filter((r) => Object.keys(r.profiles).length === 0);
  lines.push(`in no profile (need a GATEWAY-HTTP feature too): ${none.filter((r) => r.passed).length} of ${none.length}`);
  for (const r of results) if (!r.passed) lines.push(`  FAIL ${r.name}: ${r.failures.slice(0, 3).join("; ")}`);
  return lines.join("\n");
}

export function readMeshBaseline(): string[] {
  return existsSync(MESH_BASELINE_FILE) ? (JSON.parse(readFileSync(MESH_BASELINE_FILE, "utf8")) as { passed: string[] }).passed : [];
}

export function writeMeshReport(results: readonly MeshResult[]): void {
  mkdirSync(resolve(MESH_REPORT_FILE, ".."), { recursive: true });
  writeFileSync(MESH_REPORT_FILE, stringify({ suite: "gateway-api v1.6.1 mesh (offline)", results }));
}

if (import.meta.main) {
  const results = runMesh();
  writeMeshReport(results);
  console.log(meshSummary(results));
  if (process.argv.includes("--update-baseline")) {
    const passed = results
      .filter((r) => r.passed)
      .map((r) => r.name)
      .sort();
    writeFileSync(
      MESH_BASELINE_FILE,
      JSON.stringify(
        {
          note: "Mesh (GAMMA) conformance tests (v1.6.1, offline) that pass; one that stops passing fails tests/conformance/mesh.test.ts. Regenerate with: npm run conformance:mesh -- --update-baseline",
          passed,
        },
        null,
        2,
      ) + "\n",
    );
    console.log(`baseline: ${passed.length} tests`);
  }
}
