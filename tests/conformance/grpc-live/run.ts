// Live gRPC conformance without Envoy: every GRPCRoute test of cases.json through the real
// appliance (file source -> translation -> ADS over TCP) to real grpc-js-xds clients, which match
// routes themselves (an implementation independent of edgegate's and of the offline evaluator),
// and on to real GrpcEcho backends, judged as the suite judges.
//
//   bun tests/conformance/grpc-live/run.ts [--only NAME] [--update-baseline]
//
// Writes build/conformance-grpc-live.json and the `live.grpc` section of the conformance report.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type * as grpc from "@grpc/grpc-js";
import { defaultConfig } from "../../../src/config/types.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { startAppliance } from "../../../src/run/appliance.ts";
import { allPods } from "../harness/backends.ts";
import { certificates } from "../harness/certs.ts";
import { testInputs, type InputText } from "../harness/inputs.ts";
import { loadBackends, loadCases, type GrpcCaseJson, type GrpcTestJson } from "../harness/suite.ts";
import { openChannel, sendRpc, type Target } from "./client.ts";
import { startEchoBackends } from "./echo-server.ts";
import { describe, eventually, methodName, weightedDistribution } from "./judge.ts";
import { targetFor, type GatewaySpec } from "./targets.ts";
import { writeLiveGrpc, type LiveCase, type LiveGrpcReport, type LiveTest } from "./report.ts";

const CONTROLLER = "edgegate.io/gateway-controller";

/**
 * Weighted-distribution expectations are in the Go test bodies, not in cases.json
 * (conformance/tests/grpcroute-weight.go: expectedWeights).
 */
const WEIGHTS: Record<string, Record<string, number>> = {
  GRPCRouteWeight: { "grpc-infra-backend-v1": 0.7, "grpc-infra-backend-v2": 0.3, "grpc-infra-backend-v3": 0 },
};

const CONVERGENCE = { successes: 3, timeoutMs: 8000 };

/** The suite's GetTestCaseName, so failures read like the suite's subtests. */
export function caseName(c: GrpcCaseJson, i: number): string {
  const md = Object.keys(c.metadata ?? {})
    .sort()
    .map((k) => `${k}:${c.metadata![k]}`)
    .join(",");
  const req = `${i} request to '${c.authority ?? ""}${c.method}'${md ? ` with headers '{${md}}'` : ""}`;
  return c.backend ? `${req} should go to ${c.backend}` : `${req} should receive a ${c.expectedCode}`;
}

function gatewaySpec(inputs: readonly InputText[], name: string, namespace: string): GatewaySpec {
  for (const input of inputs) {
    for (const doc of parseAllDocuments(input.text)) {
      const o: unknown = doc.toJS();
      if (typeof o !== "object" || o === null) continue;
      const g = o as {
        kind?: string;
        metadata?: { name?: string; namespace?: string };
        spec?: { listeners?: { name: string; port: number; hostname?: string }[] };
      };
      if (g.kind === "Gateway" && g.metadata?.name === name && (g.metadata.namespace ?? "default") === namespace) {
        return { name, namespace, listeners: (g.spec?.listeners ?? []).map((l) => ({ name: l.name, port: l.port, hostname: l.hostname })) };
      }
    }
  }
  throw new Error(`harness: Gateway ${namespace}/${name} not in the test's manifests`);
}

async function runTest(t: GrpcTestJson, inputs: InputText[]): Promise<LiveTest> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), "edgegate-grpc-live-"));
  inputs.forEach((input, i) => writeFileSync(join(dir, `${String(i).padStart(2, "0")}.yaml`), input.text));
  const config = defaultConfig("conformance-grpc-live");
  config.controllerName = CONTROLLER;
  config.source.paths = [dir];
  config.xds = { socket: join(dir, "xds.sock"), tcpAddress: { kind: "tcp", host: "127.0.0.1", port: 0 } };
  config.health.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
  config.admin.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
  config.exposure.addressPool = ["127.0.1.1-127.0.1.254"];
  config.envoy = { ...config.envoy, path: "/nonexistent/envoy", drainSeconds: 0 };
  const app = await startAppliance(config, silentLogger);
  const channels = new Map<string, grpc.Client>();
  try {
    const adsPort = app.xds.tcp!.port;
    const gw = gatewaySpec(inputs, t.gateway.name, t.gateway.namespace);
    // One channel per distinct target, shared by the cases that dial it (the suite keeps one
    // connection per case; a channel per target is the proxyless equivalent of a connection).
    const channel = (target: Target): grpc.Client => {
      const key = `${target.listener}|${target.authority ?? ""}`;
      let ch = channels.get(key);
      if (!ch) channels.set(key, (ch = openChannel(target, adsPort, `grpc-live/${t.name}/${channels.size}`)));
      return ch;
    };
    const cases = await Promise.all(
      t.cases.map(async (c, i): Promise<LiveCase> => {
        const target = targetFor(gw, t.gateway, c.authority);
        const ch = channel(target);
        const send = (timeoutMs: number) => sendRpc(ch, methodName(c.method), c.metadata ?? {}, timeoutMs);
        const first = await eventually(send, c, CONVERGENCE);
        let failure = first.failure;
        let got = first.last ? describe(first.last) : undefined;
        const weights = WEIGHTS[t.name];
        if (failure === undefined && weights) {
          // The suite retries the statistical check up to 10 times; 3 keeps a broken run short.
          for (let attempt = 0; attempt < 3; attempt++) {
            // AddEntropy: a random x-jitter on about half the RPCs, as the suite sends.
            const d = await weightedDistribution(
              () => sendRpc(ch, methodName(c.method), Math.random() < 0.5 ? { "x-jitter": String(Math.floor(Math.random() * 10000)) } : {}, 5000),
              weights,
            );
            failure = d.failure;
            got = `500 RPCs, shares ${JSON.stringify(d.shares)} (want ${JSON.stringify(weights)}, +/-0.05)`;
            if (failure === undefined) break;
          }
        }
        return {
          name: caseName(c, i),
          target: target.authority ? `xds:///${target.listener} (authority ${target.authority})` : `xds:///${target.listener}`,
          result: failure ? "failed" : "passed",
          ...(got ? { got } : {}),
          ...(failure ? { detail: failure } : {}),
        };
      }),
    );
    const failed = cases.filter((c) => c.result === "failed");
    return { name: t.name, profiles: t.profiles, provisional: t.provisional, result: failed.length > 0 ? "failed" : "passed", ms: Date.now() - started, cases };
  } finally {
    for (const ch of channels.values()) ch.close();
    await app.stop({ drain: false });
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runGrpcLive(opts: { only?: string } = {}): Promise<LiveGrpcReport> {
  const backends = loadBackends();
  const pods = allPods(backends);
  const grpcPods = [...pods.values()].filter((p) => p.mode === "grpc-echo");
  const certs = certificates();
  const echo = await startEchoBackends(grpcPods);
  const grpcIps = new Set(grpcPods.map((p) => p.ip));
  try {
    const tests: LiveTest[] = [];
    for (const t of loadCases().grpcTests.filter((x) => !opts.only || x.name === opts.only)) {
      // The gRPC Services' endpoints point at the echoes' common port instead of targetPort 3000.
      const inputs = testInputs(t.manifests, CONTROLLER, backends, pods, certs, (s) =>
        s.pods.some((p) => grpcIps.has(p.ip)) ? { ...s, def: { ...s.def, ports: s.def.ports.map((p) => ({ ...p, targetPort: echo.port })) } } : s,
      );
      tests.push(await runTest(t, inputs));
    }
    return {
      mode: "live: proxyless gRPC (appliance file source -> ADS -> @grpc/grpc-js-xds clients -> @grpc/grpc-js GrpcEcho backends); no Envoy",
      ranAt: new Date().toISOString(),
      summary: { passed: tests.filter((t) => t.result === "passed").length, failed: tests.filter((t) => t.result === "failed").length },
      tests,
    };
  } finally {
    await Promise.all(echo.backends.map((b) => b.stop()));
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
  const r = await runGrpcLive({ only });
  writeLiveGrpc(r);
  for (const t of r.tests) {
    console.log(`${t.result === "passed" ? "PASS" : "FAIL"} ${t.name} (${t.cases.length} cases, ${t.ms} ms)`);
    for (const c of t.cases) if (c.result === "failed") console.log(`  ${c.name} via ${c.target}\n    ${c.detail}`);
  }
  console.log(`live gRPC: ${r.summary.passed} passed, ${r.summary.failed} failed`);
  if (args.includes("--update-baseline")) {
    const { writeLiveBaseline } = await import("./baseline.ts");
    writeLiveBaseline(r);
  }
  process.exit(0);
}
