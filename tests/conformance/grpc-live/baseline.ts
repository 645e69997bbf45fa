// tests/conformance/baseline-grpc-live.json: the GRPCRoute tests that passed live when it was
// last updated; tests/conformance/grpc-live.test.ts fails when one of them stops passing.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { LiveGrpcReport } from "./report.ts";

export const LIVE_BASELINE_FILE = resolve(import.meta.dir, "../baseline-grpc-live.json");

export function readLiveBaseline(): string[] {
  if (!existsSync(LIVE_BASELINE_FILE)) return [];
  return (JSON.parse(readFileSync(LIVE_BASELINE_FILE, "utf8")) as { passed: string[] }).passed;
}

export function writeLiveBaseline(r: LiveGrpcReport): void {
  const b = {
    note: "GRPCRoute conformance tests (v1.6.1) that pass live through proxyless gRPC (grpc-js-xds, no Envoy). Regenerate with: bun tests/conformance/grpc-live/run.ts --update-baseline",
    passed: r.tests
      .filter((t) => t.result === "passed")
      .map((t) => t.name)
      .sort(),
  };
  writeFileSync(LIVE_BASELINE_FILE, JSON.stringify(b, null, 2) + "\n");
}

export function liveRegressions(r: LiveGrpcReport, baseline: readonly string[]): { regressions: string[]; improvements: string[] } {
  const passing = new Set(r.tests.filter((t) => t.result === "passed").map((t) => t.name));
  return { regressions: baseline.filter((n) => !passing.has(n)), improvements: [...passing].filter((n) => !baseline.includes(n)).sort() };
}
