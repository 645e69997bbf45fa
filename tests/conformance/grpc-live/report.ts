// The live gRPC results: written to build/conformance-grpc-live.json and into the `live.grpc`
// section of build/conformance-report.yaml (whichever of the offline and live runs comes last,
// the report carries the latest live results; the offline run reads this file back).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse, stringify } from "yaml";
import type { Profile } from "../harness/suite.ts";

export const LIVE_GRPC_FILE = resolve(import.meta.dir, "../../../build/conformance-grpc-live.json");
const REPORT_FILE = resolve(import.meta.dir, "../../../build/conformance-report.yaml");

export interface LiveCase {
  name: string;
  /** What the proxyless client dialed. */
  target: string;
  result: "passed" | "failed";
  /** The last RPC's outcome: the pod that served it, or the code and reason. */
  got?: string;
  detail?: string;
}

export interface LiveTest {
  name: string;
  profiles: Partial<Record<Profile, "core" | "extended">>;
  provisional: boolean;
  result: "passed" | "failed";
  ms: number;
  cases: LiveCase[];
}

export interface LiveGrpcReport {
  mode: string;
  ranAt: string;
  summary: { passed: number; failed: number };
  tests: LiveTest[];
}

/** The report's `live.grpc` section: per test passed/failed, failing cases with the reason. */
export function liveGrpcSection(r: LiveGrpcReport): { mode: string; ranAt: string; summary: LiveGrpcReport["summary"]; tests: Record<string, unknown> } {
  return {
    mode: r.mode,
    ranAt: r.ranAt,
    summary: r.summary,
    tests: Object.fromEntries(
      r.tests.map((t) => [
        t.name,
        {
          result: t.result,
          profiles: Object.entries(t.profiles).map(([p, l]) => `${p}:${l}`),
          passedCases: `${t.cases.filter((c) => c.result === "passed").length}/${t.cases.length}`,
          // Each case with what the proxyless client dialed, and why it failed.
          cases: t.cases.map((c) => `${c.result}: ${c.name} via ${c.target}${c.detail ? ` -- ${c.detail}` : c.got ? ` -- got ${c.got}` : ""}`),
        },
      ]),
    ),
  };
}

export function readLiveGrpc(): LiveGrpcReport | undefined {
  if (!existsSync(LIVE_GRPC_FILE)) return undefined;
  return JSON.parse(readFileSync(LIVE_GRPC_FILE, "utf8")) as LiveGrpcReport;
}

export function writeLiveGrpc(r: LiveGrpcReport): void {
  mkdirSync(resolve(LIVE_GRPC_FILE, ".."), { recursive: true });
  writeFileSync(LIVE_GRPC_FILE, JSON.stringify(r, null, 2) + "\n");
  if (!existsSync(REPORT_FILE)) return;
  const report = parse(readFileSync(REPORT_FILE, "utf8")) as Record<string, unknown>;
  const live = (report.live ?? {}) as Record<string, unknown>;
  report.live = { ...live, grpc: liveGrpcSection(r) };
  writeFileSync(REPORT_FILE, stringify(report));
}
