// The per-profile report in the shape of the suite's ConformanceReport (core / extended
// result, Passed/Failed/Skipped, supported features), plus the failure causes the harness found.
import type { Profile, TestRow } from "./suite.ts";
import type { Failure } from "./traffic-check.ts";

export type TestOutcome =
  | { result: "passed" }
  | { result: "failed"; failures: Failure[] }
  /** Not counted as run: the harness cannot evaluate it (untranscribed helper, mid-test mutation, features not claimed). */
  | { result: "skipped"; reason: string };

export interface TestResult {
  row: TestRow;
  outcome: TestOutcome;
}

export interface ProfileReport {
  name: Profile;
  core: { result: string; statistics: { Passed: number; Failed: number; Skipped: number }; failedTests: string[]; skippedTests: string[] };
  extended: {
    result: string;
    statistics: { Passed: number; Failed: number; Skipped: number };
    supportedFeatures: string[];
    passingFeatures: string[];
    failedTests: string[];
    skippedTests: string[];
  };
}

function level(results: TestResult[]) {
  const passed = results.filter((r) => r.outcome.result === "passed");
  const failed = results.filter((r) => r.outcome.result === "failed");
  const skipped = results.filter((r) => r.outcome.result === "skipped");
  const result = failed.length > 0 ? "failure" : skipped.length > 0 ? "partial" : "success";
  return {
    result,
    statistics: { Passed: passed.length, Failed: failed.length, Skipped: skipped.length },
    failedTests: failed.map((r) => r.row.name).sort(),
    skippedTests: skipped.map((r) => r.row.name).sort(),
  };
}

const CORE_FEATURES = new Set(["Gateway", "ReferenceGrant", "HTTPRoute", "GRPCRoute", "TLSRoute"]);

export function profileReport(profile: Profile, results: TestResult[]): ProfileReport {
  const mine = results.filter((r) => r.row.profiles[profile] !== undefined);
  const core = mine.filter((r) => r.row.profiles[profile] === "core");
  const ext = mine.filter((r) => r.row.profiles[profile] === "extended");
  const features = new Set(ext.flatMap((r) => r.row.features.filter((f) => !CORE_FEATURES.has(f))));
  // A feature "passes" when every extended test that needs it passed.
  const passing = [...features].filter((f) => ext.filter((r) => r.row.features.includes(f)).every((r) => r.outcome.result === "passed"));
  return {
    name: profile,
    core: level(core),
    extended: { ...level(ext), supportedFeatures: [...features].sort(), passingFeatures: passing.sort() },
  };
}

/** Failure causes, most frequent first, with the tests they break. */
export function failureCauses(results: TestResult[]): { cause: string; tests: string[]; example: string }[] {
  const by = new Map<string, { tests: Set<string>; example: string }>();
  for (const r of results) {
    if (r.outcome.result !== "failed") continue;
    for (const f of r.outcome.failures) {
      const e = by.get(f.cause) ?? { tests: new Set<string>(), example: `${r.row.name}: ${f.detail}` };
      e.tests.add(r.row.name);
      by.set(f.cause, e);
    }
  }
  return [...by.entries()]
    .map(([cause, e]) => ({ cause, tests: [...e.tests].sort(), example: e.example.slice(0, 300) }))
    .sort((a, b) => b.tests.length - a.tests.length);
}
