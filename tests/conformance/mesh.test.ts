// Gateway API v1.6.1 mesh (GAMMA) conformance, offline: edgegate's mesh listeners evaluated against
// the suite's mesh request cases (tests/conformance/mesh/run.ts). Fails when a test recorded in
// baseline-mesh.json stops passing, or when a Mesh feature edgegate claims has a failing test.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { meshSummary, readMeshBaseline, runMesh, writeMeshReport } from "./mesh/run.ts";
import { SUITE_DIR } from "./harness/suite.ts";
import { supportedFeatures } from "../../src/gateway/features.ts";

const results = runMesh();

test("mesh conformance (offline): no regression against baseline-mesh.json", () => {
  writeMeshReport(results);
  console.log(meshSummary(results));
  const passing = new Set(results.filter((r) => r.passed).map((r) => r.name));
  expect(readMeshBaseline().filter((n) => !passing.has(n))).toEqual([]);
});

test("MESH-HTTP and MESH-GRPC core pass in full", () => {
  const core = results.filter((r) => r.profiles["MESH-HTTP"] === "core" || r.profiles["MESH-GRPC"] === "core");
  expect(core.length).toBe(8);
  expect(core.filter((r) => !r.passed).map((r) => `${r.name}: ${r.failures.join("; ")}`)).toEqual([]);
});

test("every Mesh feature edgegate claims passes each test that needs only claimed features", () => {
  const suite = JSON.parse(readFileSync(join(SUITE_DIR, "mesh-cases.json"), "utf8")) as { meshTests: Array<{ name: string; features: string[] }> };
  const claimed = new Set(supportedFeatures);
  const failing = new Set(results.filter((r) => !r.passed).map((r) => r.name));
  const wrong = suite.meshTests.filter((t) => t.features.every((f) => claimed.has(f)) && failing.has(t.name)).map((t) => t.name);
  expect(wrong).toEqual([]);
  // And the one edgegate does not claim (consumer routes) really is the one that fails.
  expect(claimed.has("MeshConsumerRoute")).toBe(false);
});
