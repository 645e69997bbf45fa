// What the appliance does with a Kubernetes source, minus Envoy: source -> compile -> xDS snapshot
// cache, and computed status -> the status writer. Tests look at the snapshot the xDS server would
// serve and at the status the API server ends up holding.
import "../../src/register-kinds.ts";
import { defaultConfig, type ApplianceConfig } from "../../src/config/types.ts";
import { createLogger, type Logger } from "../../src/log/logger.ts";
import { compile, CompileMemo, type CompileResult } from "../../src/pipeline/compile.ts";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { xdsToJson } from "../../src/xds/json.ts";
import { createKubeMode, type KubeMode, type KubeModeOptions } from "../../src/sources/kube/mode.ts";
import { matchesSelector } from "../../src/server/node-selector.ts";
import type { ApiServer } from "./apiserver.ts";
import { EnvoyAcker } from "./envoy-acker.ts";

export const quiet: Logger = createLogger({ level: (process.env.EDGEGATE_TEST_LOG as "debug" | undefined) ?? "error", format: "text" });

export interface Running {
  kube: KubeMode;
  cache: SnapshotCache;
  config: ApplianceConfig;
  result(): CompileResult | undefined;
  compiles(): number;
  /** This node's Envoy, as far as ACKs go (connected and ACKing unless the test says otherwise). */
  envoy: EnvoyAcker;
  /** Whether this node is selected, as /healthz would judge it now. */
  selected(): boolean;
  stop(): Promise<void>;
}

export const fast: KubeModeOptions = {
  source: { debounceMs: 10, initialSyncTimeoutMs: 20_000, reflector: { missingRetryMs: 300, retry: { initialMs: 100, maxMs: 1000 } } },
  lease: { durationMs: 4000, retryPeriodMs: 400 },
  status: { batchMs: 50, qps: 200, burst: 200 },
};

export async function startPipeline(
  api: ApiServer,
  opts: { nodeName?: string; matchLabels?: Record<string, string>; kube?: KubeModeOptions; envoy?: boolean } = {},
): Promise<Running> {
  const config = defaultConfig(opts.nodeName ?? "node-a");
  config.source.kubernetes = { inCluster: false, leaseNamespace: "default" };
  config.nodes.matchLabels = opts.matchLabels ?? {};
  const kube = createKubeMode(config, quiet, { connection: api.connection(), ...fast, ...opts.kube });
  const cache = new SnapshotCache({ logger: quiet, reuseByIdentity: true });
  let last: CompileResult | undefined;
  let n = 0;
  // As the appliance compiles: with a memo, so a change costs what it changes.
  const memo = new CompileMemo();
  await kube.source.start(() => {
    last = compile({ objects: kube.source.objects(), config, memo });
    n++;
    cache.publish(last.xds);
    kube.publishStatus(last.status);
  });
  kube.followDataPlane(cache);
  const envoy = new EnvoyAcker(cache, config.node.name);
  if (opts.envoy !== false) envoy.connect();
  kube.startLeaderElection();
  return {
    kube,
    cache,
    config,
    envoy,
    result: () => last,
    compiles: () => n,
    selected: () => matchesSelector(kube.source.nodeLabels() ?? config.node.labels, config.nodes.matchLabels),
    stop: async () => {
      envoy.disconnect();
      await kube.stop();
    },
  };
}

export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ""}`);
    await Bun.sleep(25);
  }
}

/** Path matches (prefix/path) in the published RouteConfigurations, as Envoy would get them. */
export function routePaths(r: CompileResult | undefined): string[] {
  if (!r) return [];
  const json = JSON.stringify(xdsToJson(r.xds).routes);
  return [...json.matchAll(/"(?:prefix|path|pathSeparatedPrefix)":"([^"]*)"/g)].map((m) => m[1]!).sort();
}
