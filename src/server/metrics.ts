// /metrics: the status snapshot as Prometheus metrics. Counters come from the parts that count
// (xDS server, supervisor); gauges describe the current state.
import type { EnvoyPhase } from "../envoy/state.ts";
import { evaluateHealth } from "./health.ts";
import { Exposition } from "./prometheus.ts";
import type { ApplianceStatus } from "./status-types.ts";
import { relabelEnvoyExposition, type EnvoyStatsScrape } from "./envoy-stats.ts";

const phases: EnvoyPhase[] = ["not-found", "starting", "running", "ready", "backoff", "draining", "stopped"];
const xdsTypes = ["lds", "rds", "cds", "eds", "sds"];

export interface ProcessFacts {
  residentBytes: number;
}

export function currentProcessFacts(): ProcessFacts {
  return { residentBytes: process.memoryUsage().rss };
}

/**
 * edgegate's families, then (when `envoy` is given) the scrape's outcome and Envoy's own families
 * renamed into envoy_* (src/server/envoy-stats.ts).
 */
export function renderMetrics(s: ApplianceStatus, proc: ProcessFacts, envoy?: EnvoyStatsScrape): string {
  const m = new Exposition();
  const b = (v: boolean) => (v ? 1 : 0);

  m.add("edgegate_build_info", "gauge", "edgegate's version; always 1.", 1, { version: s.version });
  m.add("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.", Date.parse(s.startedAt) / 1000);
  m.add("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", proc.residentBytes);
  m.add("edgegate_healthy", "gauge", "1 when /healthz answers 200: node selected, Envoy ready, current snapshot ACKed.", b(evaluateHealth(s).ok));
  m.add("edgegate_node_selected", "gauge", "1 when this node matches the node selector.", b(s.node.selected));

  const e = s.envoy;
  m.add("edgegate_envoy_ready", "gauge", "1 when Envoy's admin /ready answers LIVE.", b(e.phase === "ready"));
  for (const p of phases) m.add("edgegate_envoy_state", "gauge", "1 for Envoy's current supervision state.", b(e.phase === p), { state: p });
  m.add("edgegate_envoy_restarts_total", "counter", "Envoy restarts after unexpected exits.", e.restarts);

  const x = s.xds;
  m.add("edgegate_xds_snapshot_seq", "gauge", "Sequence number of the current xDS snapshot (0: none published).", x.snapshot.seq);
  m.add("edgegate_xds_snapshot_build_seconds", "gauge", "Time the last snapshot publish took, in seconds.", x.snapshot.publishMs / 1000);
  m.add("edgegate_xds_snapshots_published_total", "counter", "Snapshot publishes (including unchanged ones that sent nothing).", x.counters.publishes);
  m.add("edgegate_xds_clients", "gauge", "Connected xDS streams.", x.counters.connectedClients);
  m.add("edgegate_xds_clients_current", "gauge", "Connected xDS streams that ACKed the current snapshot.", x.clients.filter((c) => c.current).length);
  m.add(
    "edgegate_xds_clients_rejecting",
    "gauge",
    "Connected xDS streams whose latest response of some type was NACKed.",
    x.clients.filter((c) => c.types.some((t) => t.rejecting)).length,
  );
  const types = [...new Set([...xdsTypes, ...Object.keys(x.counters.pushes), ...Object.keys(x.counters.nacks)])];
  for (const t of types) m.add("edgegate_xds_pushes_total", "counter", "xDS responses sent, by resource type.", x.counters.pushes[t] ?? 0, { type: t });
  for (const t of types) m.add("edgegate_xds_acks_total", "counter", "xDS ACKs received, by resource type.", x.counters.acks[t] ?? 0, { type: t });
  for (const t of types) m.add("edgegate_xds_nacks_total", "counter", "xDS NACKs received, by resource type.", x.counters.nacks[t] ?? 0, { type: t });

  const byKind = new Map<string, number>();
  if (s.inputs.counts) for (const [kind, n] of Object.entries(s.inputs.counts)) byKind.set(kind, n);
  else for (const o of s.inputs.objects) byKind.set(o.kind, (byKind.get(o.kind) ?? 0) + 1);
  m.declare("edgegate_objects", "gauge", "Input objects in the store, by kind.");
  for (const [kind, n] of [...byKind].sort(([a], [b]) => a.localeCompare(b)))
    m.add("edgegate_objects", "gauge", "Input objects in the store, by kind.", n, { kind });
  for (const w of s.source.watches ?? []) {
    m.add("edgegate_kube_watch_synced", "gauge", "1 when this kind's watch is current (0: error or CRD missing).", w.phase === "synced" ? 1 : 0, {
      kind: w.kind,
    });
    m.add("edgegate_kube_relists_total", "counter", "Relists after 410 Expired.", w.expired, { kind: w.kind });
    m.add("edgegate_kube_watch_errors_total", "counter", "API errors while listing or watching.", w.errors, { kind: w.kind });
  }
  m.add("edgegate_validation_errors", "gauge", "Current validation and translation problems in the inputs.", s.inputs.problems.length);
  m.add("edgegate_listeners", "gauge", "Envoy listeners in the current configuration.", s.listeners.length);
  m.add("edgegate_source_synced", "gauge", "1 when the input source holds a complete view.", b(s.source.state === "synced"));
  if (!envoy) return m.render();

  m.add(
    "edgegate_envoy_stats_up",
    "gauge",
    "1 when Envoy's admin API answered /stats/prometheus for this scrape; its families follow as envoy_*.",
    b(envoy.up),
  );
  m.add("edgegate_envoy_stats_scrape_duration_seconds", "gauge", "Time fetching Envoy's statistics took for this scrape, in seconds.", envoy.seconds);
  if (!envoy.up) {
    m.add("edgegate_envoy_stats_series", "gauge", "Envoy series merged into this scrape.", 0);
    // A comment Prometheus ignores and a person reading /metrics does not.
    return `${m.render()}# edgegate: Envoy's statistics are missing: ${envoy.reason.replace(/\n/g, " ")}\n`;
  }
  const merged = relabelEnvoyExposition(envoy.text, new Set([...m.names(), "edgegate_envoy_stats_series"]));
  m.add("edgegate_envoy_stats_series", "gauge", "Envoy series merged into this scrape.", merged.series);
  return m.render() + merged.text;
}
