// The v1.6.1 suite as data: cases.json (request cases and status assertions), backends.json
// (Services, Deployments, generated certificates) and the test table of REPORT.md §7 (every test
// with its profiles and features, including the TLSRoute tests cases.json does not carry).
// Read in place from ../shared; nothing is copied.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const SUITE_DIR = resolve(import.meta.dir, "../../../../shared/conformance/gateway-api-v1.6.1");

export type Profile = "GATEWAY-HTTP" | "GATEWAY-GRPC" | "GATEWAY-TLS";
export const PROFILES: readonly Profile[] = ["GATEWAY-HTTP", "GATEWAY-GRPC", "GATEWAY-TLS"];

export interface GatewayRefJson {
  name: string;
  namespace: string;
  port: number;
  definedIn: string;
  listener?: string;
}

export interface RequestJson {
  host?: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  protocol?: string;
  sni?: string;
  unfollowRedirect?: boolean;
  clientCert?: unknown;
}

export interface ExpectedRequestJson {
  host?: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  absentHeaders?: string[];
  sni?: string;
}

export interface CaseJson {
  request: RequestJson;
  effectiveExpectedRequest: ExpectedRequestJson;
  response: {
    statusCodes: number[];
    headers?: Record<string, string>;
    validHeaderValues?: Record<string, string[]>;
    absentHeaders?: string[];
    ignoreWhitespace?: boolean;
  };
  redirect?: { scheme?: string; host?: string; port?: string; path?: string };
  backendSetResponseHeaders?: Record<string, string>;
  mirroredTo?: { name: string; namespace: string; percent?: number }[];
  backend: string;
  namespace: string;
  testCaseName?: string;
  serverName?: string;
  port?: number;
}

export interface GroupJson {
  gateway?: GatewayRefJson;
  scheme?: string;
  client?: string;
  subtest?: string;
  serverName?: string;
  serverCertificate?: string;
  clientCertificate?: string;
  action?: string;
  cases?: CaseJson[];
  weightedDistribution?: { expectedWeights: Record<string, number> };
}

export interface StatusAssertionJson {
  line: number;
  call: string;
  args: unknown[];
}

export interface HttpTestJson {
  name: string;
  manifests: string[];
  features: string[];
  profiles: Partial<Record<Profile, "core" | "extended">>;
  provisional: boolean;
  groups: GroupJson[];
  statusAssertions: StatusAssertionJson[];
  notes?: string;
}

export interface GrpcCaseJson {
  method: string;
  metadata?: Record<string, string>;
  authority?: string;
  expectedCode: string;
  backend: string;
  namespace: string;
}

export interface GrpcTestJson {
  name: string;
  manifests: string[];
  features: string[];
  profiles: Partial<Record<Profile, "core" | "extended">>;
  provisional: boolean;
  gateway: GatewayRefJson;
  cases: GrpcCaseJson[];
  statusAssertions: StatusAssertionJson[];
}

export interface CasesJson {
  httpTests: HttpTestJson[];
  grpcTests: GrpcTestJson[];
}

export interface ServicePortJson {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}
export interface ServiceJson {
  definedIn: string;
  selector: Record<string, string> | null;
  ports: ServicePortJson[];
}
export interface DeploymentJson {
  definedIn: string;
  replicas: number;
  labels: Record<string, string>;
  mode: string;
  tlsSecret: string | null;
}
export interface BackendsJson {
  namespaces: Record<string, { labels: Record<string, string>; definedIn: string }>;
  services: Record<string, ServiceJson[]>;
  deployments: Record<string, DeploymentJson[]>;
  runtimeGeneratedObjects: Record<string, string>;
}

/** One row of REPORT.md §7. */
export interface TestRow {
  name: string;
  file: string;
  profiles: Partial<Record<Profile, "core" | "extended">>;
  features: string[];
  provisional: boolean;
}

export function readJson<T>(file: string): T {
  // The files are the suite's transcription, validated by their own README; typed here once.
  return JSON.parse(readFileSync(join(SUITE_DIR, file), "utf8")) as T;
}

export function loadCases(): CasesJson {
  return readJson<CasesJson>("cases.json");
}

export function loadBackends(): BackendsJson {
  return readJson<BackendsJson>("backends.json");
}

/** Parses REPORT.md §7 ("Every test in v1.6.1"): | # | Test | File | Profile | Extra features | Prov | ... */
export function loadTestTable(): TestRow[] {
  const text = readFileSync(join(SUITE_DIR, "REPORT.md"), "utf8");
  const start = text.indexOf("## 7. Every test");
  const end = text.indexOf("## 8.", start);
  const rows: TestRow[] = [];
  for (const line of text.slice(start, end).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 8 || !/^\d+$/.test(cells[1] ?? "")) continue;
    const profiles: TestRow["profiles"] = {};
    for (const p of (cells[4] ?? "").split(";")) {
      const m = /^\s*GW-(HTTP|GRPC|TLS):([CE])/.exec(p);
      if (m) profiles[`GATEWAY-${m[1]}` as Profile] = m[2] === "C" ? "core" : "extended";
    }
    const extra = (cells[5] ?? "")
      .split(",")
      .map((f) => f.trim())
      .filter((f) => f !== "" && f !== "-");
    rows.push({ name: cells[2]!, file: cells[3]!, profiles, features: extra, provisional: cells[6] === "P" });
  }
  return rows;
}

/** "conformance/tests/x.yaml" -> the file in SUITE_DIR. */
export function manifestPath(suitePath: string): string {
  return join(SUITE_DIR, suitePath.replace(/^conformance\//, ""));
}
