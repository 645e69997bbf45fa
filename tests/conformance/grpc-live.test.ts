// Gateway API v1.6.1 GRPCRoute conformance, live without Envoy: the suite's gRPC cases through
// the real appliance to proxyless grpc-js-xds clients and real GrpcEcho backends
// (tests/conformance/grpc-live). Fails when a test in baseline-grpc-live.json stops passing;
// writes the `live.grpc` section of build/conformance-report.yaml.
import { expect, test } from "bun:test";
import { runGrpcLive } from "./grpc-live/run.ts";
import { writeLiveGrpc } from "./grpc-live/report.ts";
import { liveRegressions, readLiveBaseline } from "./grpc-live/baseline.ts";

test("GRPCRoute conformance through proxyless gRPC (live): no regression against baseline-grpc-live.json", async () => {
  const r = await runGrpcLive();
  writeLiveGrpc(r);
  for (const t of r.tests) {
    console.log(`${t.result === "passed" ? "PASS" : "FAIL"} ${t.name} (${t.cases.length} cases, ${t.ms} ms)`);
    for (const c of t.cases) if (c.result === "failed") console.log(`  ${c.name} via ${c.target}\n    ${c.detail}`);
  }
  const { regressions, improvements } = liveRegressions(r, readLiveBaseline());
  if (improvements.length > 0)
    console.log(`newly passing (raise the baseline with bun tests/conformance/grpc-live/run.ts --update-baseline): ${improvements.join(", ")}`);
  expect(regressions).toEqual([]);
  // Every GRPCRoute test of cases.json ran: an empty run must not pass silently.
  expect(r.tests.length).toBe(5);
}, 90_000);
