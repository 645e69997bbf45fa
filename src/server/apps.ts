// The two HTTP apps. `health` is what the load balancer port exposes and nothing more; `admin`
// (loopback by default) adds /status and /metrics for operators.
import { Hono } from "hono";
import { evaluateHealth, evaluateReadiness, type Verdict } from "./health.ts";
import { currentProcessFacts, renderMetrics, type ProcessFacts } from "./metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
import type { ApplianceStatus, StatusProvider } from "./status-types.ts";
import type { EnvoyStatsScrape } from "./envoy-stats.ts";
import type { EnvoyPhase } from "../envoy/state.ts";

/** /status body: the snapshot plus the verdicts, so readers need not recompute them. */
export interface StatusDocument extends ApplianceStatus {
  health: { healthy: boolean; reasons: string[] };
  readiness: { ready: boolean; reasons: string[] };
}

const noStore = { "cache-control": "no-store" };

/** What the health routes read: the verdicts, and (on the health thread) whether the main thread still beats. */
export interface HealthSource {
  verdicts(): { health: Verdict; readiness: Verdict };
  liveness?(): Verdict;
}

export function healthSourceOf(provider: StatusProvider): HealthSource {
  return { verdicts: () => provider.verdicts?.() ?? { health: evaluateHealth(provider.snapshot()), readiness: evaluateReadiness(provider.snapshot()) } };
}

export function addHealthRoutes(app: Hono, source: HealthSource): void {
  // Answers even when everything else is broken: it only proves the process runs.
  app.get("/livez", (c) => {
    const v = source.liveness?.() ?? { ok: true, reasons: [] };
    return v.ok ? c.json({ status: "alive" }, 200, noStore) : c.json({ status: "stalled", reasons: v.reasons }, 503, noStore);
  });
  app.get("/healthz", (c) => {
    const v = source.verdicts().health;
    return v.ok ? c.json({ status: "healthy" }, 200, noStore) : c.json({ status: "unhealthy", reasons: v.reasons }, 503, noStore);
  });
  app.get("/readyz", (c) => {
    const v = source.verdicts().readiness;
    return v.ok ? c.json({ status: "ready" }, 200, noStore) : c.json({ status: "not ready", reasons: v.reasons }, 503, noStore);
  });
}

export function createHealthApp(provider: StatusProvider): Hono {
  const app = new Hono();
  addHealthRoutes(app, healthSourceOf(provider));
  return app;
}

export function statusDocument(s: ApplianceStatus): StatusDocument {
  const h = evaluateHealth(s);
  const r = evaluateReadiness(s);
  return { ...s, health: { healthy: h.ok, reasons: h.reasons }, readiness: { ready: r.ok, reasons: r.reasons } };
}

export interface AdminAppOptions {
  processFacts?: () => ProcessFacts;
  /** Envoy's statistics for /metrics (envoyStatsSource); without it /metrics is edgegate's alone. */
  envoyStats?: (phase: EnvoyPhase) => Promise<EnvoyStatsScrape>;
}

export function createAdminApp(provider: StatusProvider, opts: AdminAppOptions = {}): Hono {
  const app = new Hono();
  addHealthRoutes(app, healthSourceOf(provider));
  app.get("/status", (c) => c.json(statusDocument(provider.snapshot()), 200, noStore));
  // The configuration in force: ?type=lds|rds|...&name=NAME (each repeatable; names may use *).
  app.get("/config_dump", async (c) => {
    const snap = provider.xdsSnapshot?.();
    if (!snap) return c.json({ error: "the xDS cache is not running yet" }, 503, noStore);
    const { configDump, unknownDumpTypes, dumpTypeNames } = await import("./config-dump.ts");
    const types = c.req.queries("type") ?? [];
    const bad = unknownDumpTypes(types);
    if (bad.length > 0) return c.json({ error: `unknown type ${bad.join(", ")} (known: ${dumpTypeNames.join(", ")})` }, 400, noStore);
    return c.json(configDump(snap, provider.snapshot().xds, { types, names: c.req.queries("name") ?? [] }), 200, noStore);
  });
  // The dashboard (read-only) and the graph it draws.
  app.get("/", async (c) => c.html((await import("./dashboard/index.ts")).dashboardHtml, 200, noStore));
  app.get("/topology", async (c) => {
    const ir = provider.ir?.();
    const { topology } = await import("./topology.ts");
    return c.json(ir ? topology(ir) : { listeners: [], routes: [], services: [] }, 200, noStore);
  });
  app.get("/metrics", async (c) => {
    const envoy = opts.envoyStats ? await opts.envoyStats(provider.snapshot().envoy.phase) : undefined;
    // The snapshot is taken after the scrape, so edgegate's gauges are as fresh as Envoy's.
    const body = renderMetrics(provider.snapshot(), (opts.processFacts ?? currentProcessFacts)(), envoy);
    return c.body(body, 200, { "content-type": PROMETHEUS_CONTENT_TYPE, ...noStore });
  });
  return app;
}
