// tests/conformance/baseline.json: the tests that passed when it was last updated. CI fails when
// one of them no longer passes; newly passing tests are reported so the baseline can be raised
// with `bun tests/conformance/harness/run.ts --update-baseline`.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { TestResult } from "./report.ts";

export const BASELINE_FILE = resolve(import.meta.dir, "../baseline.json");

export interface Baseline {
  note: string;
  passed: string[];
}

export function readBaseline(): Baseline {
  if (!existsSync(BASELINE_FILE)) return { note: "", passed: [] };
  return JSON.parse(readFileSync(BASELINE_FILE, "utf8")) as Baseline;
}

export function writeBaseline(results: readonly TestResult[]): void {
  const b: Baseline = {
    note: "Conformance tests (v1.6.1, offline mode) that pass; a test listed here that stops passing fails tests/conformance/conformance.test.ts. Regenerate with: bun tests/conformance/harness/run.ts --update-baseline",
    passed: results
      .filter((r) => r.outcome.result === "passed")
      .map((r) => r.row.name)
      .sort(),
  };
  writeFileSync(BASELINE_FILE, JSON.stringify(b, null, 2) + "\n");
}

export function compareToBaseline(results: readonly TestResult[], b: Baseline): { regressions: string[]; improvements: string[] } {
  const passing = new Set(results.filter((r) => r.outcome.result === "passed").map((r) => r.row.name));
  return {
    regressions: b.passed.filter((n) => !passing.has(n)),
    improvements: [...passing].filter((n) => !b.passed.includes(n)).sort(),
  };
}
