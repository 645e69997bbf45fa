// How many Prometheus series Envoy's /stats/prometheus would carry for N generated HTTPRoutes, per
// envoy.stats.detail level. A MODEL, not a measurement: no Envoy runs on this machine. It takes the
// resources edgegate really emits for the input (listeners, HTTP connection managers, route
// configurations, clusters: the same pipeline as `edgegate render`), expands each into the stat
// names Envoy's documentation lists for that scope (cluster, HTTP connection manager, listener,
// process), keeps the names the bootstrap's stats_matcher keeps (src/envoy/stats-config.ts, the
// same patterns the bootstrap carries), and counts one series per counter or gauge and 22 per
// histogram (Envoy's 19 default buckets + "+Inf" + _sum + _count). Tag extraction renames stats
// into labelled families but never changes how many there are.
// What it leaves out, so the real count can differ: stats of extensions edgegate does not
// configure, per-response-code counters beyond the three assumed below (one more per distinct code
// a cluster ever returns), TLS cipher/curve counters (a handful per TLS listener), and stats Envoy
// versions add or drop. Virtual hosts and routes create no stats here: Envoy makes vhost.* stats
// only for virtual_clusters and route stats only for a route stat_prefix, and edgegate sets neither.
//
//   node_modules/.bin/bun bench/envoy-stats.ts [N...]   default: 100 1000 5000 (one Service per route)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "./generate.ts";
import { defaultConfig } from "../src/config/types.ts";
import { prepare } from "../src/cli/inputs.ts";
import { emitOptions } from "../src/pipeline/compile.ts";
import { emitXds } from "../src/xds/emit/index.ts";
import { ENVOY_STATS_DETAILS, statsMatcherPatterns, type EnvoyStatsDetail } from "../src/envoy/stats-config.ts";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { HttpConnectionManagerSchema } from "../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";

const HISTOGRAM_SERIES = 19 + 1 + 2;
/** Worker threads (envoy.concurrency 0 = one per core; this machine has 2): per-worker listener stats. */
const WORKERS = 2;
/** Distinct response codes a cluster / listener is assumed to have returned (200, 404, 503). */
const CODES = ["200", "404", "503"];
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"];

type Kind = "c" | "g" | "h";
type Stat = [name: string, kind: Kind];
const list = (kind: Kind, names: string): Stat[] =>
  names
    .trim()
    .split(/\s+/)
    .map((n) => [n, kind]);

// Envoy's documented stats per scope (docs: configuration/upstream/cluster_manager/cluster_stats,
// http/http_conn_man/stats, listeners/stats, observability/statistics), names only.
const perCluster: Stat[] = [
  ...list(
    "c",
    `upstream_cx_total upstream_cx_http1_total upstream_cx_http2_total upstream_cx_http3_total upstream_cx_connect_fail
    upstream_cx_connect_timeout upstream_cx_connect_with_0_rtt upstream_cx_idle_timeout upstream_cx_max_duration_reached
    upstream_cx_connect_attempts_exceeded upstream_cx_overflow upstream_cx_destroy upstream_cx_destroy_local upstream_cx_destroy_remote
    upstream_cx_destroy_with_active_rq upstream_cx_destroy_local_with_active_rq upstream_cx_destroy_remote_with_active_rq
    upstream_cx_close_notify upstream_cx_rx_bytes_total upstream_cx_tx_bytes_total upstream_cx_pool_overflow
    upstream_cx_preconnect_blocked upstream_cx_preconnect_skipped upstream_cx_preconnect_started upstream_cx_protocol_error
    upstream_cx_max_requests upstream_cx_none_healthy upstream_rq_total upstream_rq_pending_total upstream_rq_active_overflow
    upstream_rq_pending_overflow upstream_rq_pending_failure_eject upstream_rq_cancelled upstream_rq_maintenance_mode upstream_rq_timeout
    upstream_rq_max_duration_reached upstream_rq_per_try_timeout upstream_rq_rx_reset upstream_rq_rx_reset_no_error upstream_rq_tx_reset
    upstream_rq_retry upstream_rq_retry_backoff_exponential upstream_rq_retry_backoff_ratelimited upstream_rq_retry_limit_exceeded
    upstream_rq_retry_success upstream_rq_retry_overflow upstream_flow_control_paused_reading_total upstream_flow_control_resumed_reading_total
    upstream_flow_control_backed_up_total upstream_flow_control_drained_total upstream_internal_redirect_failed_total
    upstream_internal_redirect_succeeded_total membership_change retry_or_shadow_abandoned config_reload update_attempt update_success
    update_failure update_empty update_no_rebuild bind_errors assignment_timeout_received assignment_stale
    lb_recalculate_zone_structures lb_healthy_panic lb_zone_cluster_too_small lb_zone_routing_all_directly lb_zone_routing_sampled
    lb_zone_routing_cross_zone lb_local_cluster_not_ok lb_zone_no_capacity_left original_dst_host_invalid
    upstream_rq_completed external.upstream_rq_completed`,
  ),
  ...list(
    "g",
    `upstream_cx_active upstream_cx_rx_bytes_buffered upstream_cx_tx_bytes_buffered upstream_rq_active upstream_rq_pending_active
    membership_healthy membership_degraded membership_excluded membership_total version warming_state max_host_weight`,
  ),
  ...list("h", "upstream_cx_connect_ms upstream_cx_length_ms upstream_rq_per_cx update_duration upstream_rq_time external.upstream_rq_time"),
  // Circuit breakers per priority (the remaining_* gauges only with track_remaining, which edgegate does not set).
  ...["default", "high"].flatMap((p) =>
    list("g", "cx_open cx_pool_open rq_pending_open rq_open rq_retry_open").map(([n, k]): Stat => [`circuit_breakers.${p}.${n}`, k]),
  ),
  // Upstream HTTP/1 codec (the generated Services are HTTP/1).
  ...list(
    "c",
    "http1.dropped_headers_with_underscores http1.metadata_not_supported_error http1.response_flood http1.requests_rejected_with_underscores_in_headers",
  ),
  // Dynamic HTTP stats: classes and the assumed codes, final and external-origin.
  ...[...CLASSES, ...CODES].flatMap((x): Stat[] => [
    [`upstream_rq_${x}`, "c"],
    [`external.upstream_rq_${x}`, "c"],
  ]),
];

const perHcm: Stat[] = [
  ...list(
    "c",
    `downstream_cx_total downstream_cx_ssl_total downstream_cx_http1_total downstream_cx_upgrades_total downstream_cx_http2_total
    downstream_cx_http3_total downstream_cx_destroy downstream_cx_destroy_remote downstream_cx_destroy_local downstream_cx_destroy_active_rq
    downstream_cx_destroy_local_active_rq downstream_cx_destroy_remote_active_rq downstream_cx_protocol_error downstream_cx_rx_bytes_total
    downstream_cx_tx_bytes_total downstream_cx_drain_close downstream_cx_idle_timeout downstream_cx_max_duration_reached
    downstream_cx_max_requests_reached downstream_cx_overload_disable_keepalive downstream_flow_control_paused_reading_total
    downstream_flow_control_resumed_reading_total downstream_rq_total downstream_rq_http1_total downstream_rq_http2_total
    downstream_rq_http3_total downstream_rq_rejected_via_ip_detection downstream_rq_response_before_rq_complete downstream_rq_rx_reset
    downstream_rq_tx_reset downstream_rq_non_relative_path downstream_rq_too_large downstream_rq_completed
    downstream_rq_failed_path_normalization downstream_rq_1xx downstream_rq_2xx downstream_rq_3xx downstream_rq_4xx downstream_rq_5xx
    downstream_rq_ws_on_non_ws_route downstream_rq_idle_timeout downstream_rq_max_duration_reached downstream_rq_timeout
    downstream_rq_overload_close downstream_rq_redirected_with_normalized_path rs_too_large no_route no_cluster rq_redirect
    rq_direct_response rq_total rq_reset_after_downstream_response_started`,
  ),
  ...list(
    "g",
    `downstream_cx_active downstream_cx_ssl_active downstream_cx_http1_active downstream_cx_upgrades_active downstream_cx_http2_active
    downstream_cx_http3_active downstream_cx_rx_bytes_buffered downstream_cx_tx_bytes_buffered downstream_rq_active`,
  ),
  ...list("h", "downstream_cx_length_ms downstream_rq_time"),
];
/** RDS subscription stats of an HCM: http.<prefix>.rds.<route_config>.* */
const perRds: Stat[] = [
  ...list("c", "config_reload update_attempt update_success update_failure update_rejected update_empty"),
  ...list("g", "version config_reload_time_ms"),
];
const perListener: Stat[] = [
  ...list(
    "c",
    `downstream_cx_total downstream_cx_destroy downstream_cx_transport_socket_connect_timeout downstream_cx_overflow
    downstream_cx_overload_reject downstream_global_cx_overflow downstream_pre_cx_timeout extension_config_missing
    network_extension_config_missing no_filter_chain_match`,
  ),
  ...list("g", "downstream_cx_active downstream_pre_cx_active"),
  ...list("h", "downstream_cx_length_ms connections_accepted_per_socket_event"),
  ...Array.from({ length: WORKERS }, (_, w) => list("c", `worker_${w}.downstream_cx_total`).concat(list("g", `worker_${w}.downstream_cx_active`))).flat(),
  // Per-listener HTTP stats: listener.<address>.http.<prefix>.*
  ...list(
    "c",
    "http.p.downstream_rq_completed http.p.downstream_rq_1xx http.p.downstream_rq_2xx http.p.downstream_rq_3xx http.p.downstream_rq_4xx http.p.downstream_rq_5xx",
  ),
];
/** Process-wide scopes, approximately as documented (a fixed number whatever the configuration). */
const global: Stat[] = [
  ...list(
    "g",
    `server.uptime server.concurrency server.memory_allocated server.memory_heap_size server.memory_physical_size server.live
    server.state server.parent_connections server.total_connections server.version server.days_until_first_cert_expiring
    server.seconds_until_first_ocsp_response_expiring server.hot_restart_epoch server.hot_restart_generation server.stats_recent_lookups
    server.compilation_settings.fips_mode cluster_manager.active_clusters cluster_manager.warming_clusters listener_manager.total_listeners_warming
    listener_manager.total_listeners_active listener_manager.total_listeners_draining listener_manager.total_filter_chains_draining
    listener_manager.workers_started runtime.num_keys runtime.num_layers runtime.admin_overrides_active control_plane.connected_state
    control_plane.pending_requests cluster_manager.cds.version listener_manager.lds.version`,
  ),
  ...list(
    "c",
    `server.debug_assertion_failures server.envoy_bug_failures server.envoy_notifications server.dynamic_unknown_fields
    server.static_unknown_fields server.wip_protos server.dropped_stat_flushes server.watchdog_miss server.watchdog_mega_miss
    cluster_manager.cluster_added cluster_manager.cluster_modified cluster_manager.cluster_removed cluster_manager.cluster_updated
    cluster_manager.cluster_updated_via_merge cluster_manager.update_merge_cancelled cluster_manager.update_out_of_merge_window
    cluster_manager.cds.update_attempt cluster_manager.cds.update_success cluster_manager.cds.update_failure cluster_manager.cds.update_rejected
    cluster_manager.cds.update_empty cluster_manager.cds.init_fetch_timeout listener_manager.listener_added listener_manager.listener_modified
    listener_manager.listener_removed listener_manager.listener_stopped listener_manager.listener_create_success
    listener_manager.listener_create_failure listener_manager.listener_in_place_updated listener_manager.lds.update_attempt
    listener_manager.lds.update_success listener_manager.lds.update_failure listener_manager.lds.update_rejected listener_manager.lds.update_empty
    listener_manager.lds.init_fetch_timeout runtime.load_error runtime.load_success runtime.override_dir_not_exists runtime.override_dir_exists
    runtime.deprecated_feature_use runtime.deprecated_feature_seen_since_process_start control_plane.rate_limit_enforced
    http1.dropped_headers_with_underscores http1.metadata_not_supported_error http1.response_flood http1.requests_rejected_with_underscores_in_headers
    http2.dropped_headers_with_underscores http2.header_overflow http2.headers_cb_no_stream http2.inbound_empty_frames_flood
    http2.inbound_priority_frames_flood http2.inbound_window_update_frames_flood http2.metadata_empty_frames http2.outbound_flood
    http2.outbound_control_flood http2.requests_rejected_with_underscores_in_headers http2.rx_messaging_error http2.rx_reset
    http2.stream_refused_errors http2.trailers http2.tx_flush_timeout http2.tx_reset http2.keepalive_timeout
    overload.envoy.resource_monitors.global_downstream_max_connections.failed_updates
    overload.envoy.resource_monitors.global_downstream_max_connections.skipped_updates`,
  ),
  ...list(
    "g",
    "http2.streams_active http2.pending_send_bytes http2.deferred_stream_close overload.envoy.resource_monitors.global_downstream_max_connections.pressure",
  ),
  ...list("h", "server.initialization_time_ms cluster_manager.cds.update_duration listener_manager.lds.update_duration"),
  // The admin listener's own HCM and listener (http.admin.*, listener.admin.*), modelled like any other.
  ...perHcm.map(([n, k]): Stat => [`http.admin.${n}`, k]),
  ...perListener.map(([n, k]): Stat => [`listener.admin.${n}`, k]),
];

interface Resources {
  clusters: string[];
  listeners: Array<{ address: string; hcms: Array<{ statPrefix: string; rds: string }>; tcp: string[] }>;
}

function resourcesFor(xds: ReturnType<typeof emitXds>): Resources {
  return {
    clusters: ["xds_cluster", ...xds.clusters.map((c) => c.name)],
    listeners: xds.listeners.map((l) => {
      const hcms: Resources["listeners"][number]["hcms"] = [];
      const tcp: string[] = [];
      for (const fc of [...l.filterChains, ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])])
        for (const f of fc.filters) {
          const any = f.configType.case === "typedConfig" ? f.configType.value : undefined;
          const h = any ? anyUnpack(any, HttpConnectionManagerSchema) : undefined;
          if (h) hcms.push({ statPrefix: h.statPrefix, rds: h.routeSpecifier.case === "rds" ? h.routeSpecifier.value.routeConfigName : "" });
          else if (f.name === "envoy.filters.network.tcp_proxy") tcp.push(`${l.name}.${fc.name}`);
        }
      return { address: l.name, hcms, tcp };
    }),
  };
}

/** Every stat Envoy would create for these resources, full names as the stats_matcher sees them. */
function statNames(r: Resources): Stat[] {
  const out: Stat[] = [...global];
  for (const c of r.clusters) for (const [n, k] of perCluster) out.push([`cluster.${c}.${n}`, k]);
  for (const l of r.listeners) {
    for (const [n, k] of perListener) out.push([`listener.${l.address}.${n}`, k]);
    for (const h of l.hcms) {
      for (const [n, k] of perHcm) out.push([`http.${h.statPrefix}.${n}`, k]);
      if (h.rds) for (const [n, k] of perRds) out.push([`http.${h.statPrefix}.rds.${h.rds}.${n}`, k]);
    }
    for (const t of l.tcp)
      for (const n of ["downstream_cx_total", "downstream_cx_no_route", "downstream_cx_tx_bytes_total", "downstream_cx_rx_bytes_total", "upstream_flush_total"])
        out.push([`tcp.${t}.${n}`, "c"]);
  }
  return out;
}

function series(stats: Stat[], detail: EnvoyStatsDetail): number {
  const patterns = statsMatcherPatterns(detail);
  // The same test Envoy applies: any inclusion pattern matches the full name (RE2 full match for
  // the anchored regex; JavaScript's RegExp agrees on this pattern).
  const tests = patterns?.map((p) => {
    const m = p.matchPattern;
    if (m?.case === "prefix") return (n: string) => n.startsWith(m.value);
    if (m?.case === "safeRegex") {
      const re = new RegExp(m.value.regex ?? "");
      return (n: string) => re.test(n);
    }
    throw new Error(`bench: matcher ${m?.case} not modelled`);
  });
  let total = 0;
  for (const [name, kind] of stats) if (!tests || tests.some((t) => t(name))) total += kind === "h" ? HISTOGRAM_SERIES : 1;
  return total;
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const ns = sizes.length > 0 ? sizes : [100, 1000, 5000];
const dir = mkdtempSync(join(tmpdir(), "edgegate-stats-"));
const rows: Array<{ n: number; clusters: number; listeners: number; hcms: number; counts: Record<EnvoyStatsDetail, number> }> = [];
try {
  for (const n of ns) {
    const file = join(dir, `routes-${n}.yaml`);
    writeFileSync(file, generate({ routes: n, hostnames: Math.min(n, 1000), services: n }));
    const config = defaultConfig("bench");
    const prep = await prepare([file], config);
    if (!prep.result || prep.problems.length > 0)
      throw new Error(
        `N=${n}: the generated input has problems: ${prep.problems
          .slice(0, 3)
          .map((p) => p.message)
          .join("; ")}`,
      );
    const r = resourcesFor(emitXds(prep.result.ir, emitOptions(config)));
    const stats = statNames(r);
    const counts = Object.fromEntries(ENVOY_STATS_DETAILS.map((d) => [d, series(stats, d)])) as Record<EnvoyStatsDetail, number>;
    rows.push({ n, clusters: r.clusters.length, listeners: r.listeners.length, hcms: r.listeners.reduce((a, l) => a + l.hcms.length, 0), counts });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log("MODEL, not a measurement: series Envoy would export for the resources edgegate emits, from Envoy's documented stat names");
console.log(
  `(assumes ${WORKERS} workers, HTTP/1 upstreams, ${CODES.length} distinct response codes per cluster; see the comment at the top of bench/envoy-stats.ts)\n`,
);
console.log("| HTTPRoutes | clusters | listeners | HTTP conn. managers | series, basic (default) | series, cluster | series, all |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
const f = (x: number): string => x.toLocaleString("en");
for (const r of rows)
  console.log(`| ${f(r.n)} | ${f(r.clusters)} | ${r.listeners} | ${r.hcms} | ${f(r.counts.basic)} | ${f(r.counts.cluster)} | ${f(r.counts.all)} |`);
// What grows at basic detail is listeners, not routes: the cost of one more HTTP listener.
const oneListener = statNames({ clusters: [], listeners: [{ address: "x", hcms: [{ statPrefix: "x", rds: "x" }], tcp: [] }] }).slice(global.length);
console.log(`\neach further HTTP listener (one connection manager on RDS) adds ${series(oneListener, "basic")} series at basic detail`);
const at5k = rows.find((r) => r.n === 5000);
if (at5k) {
  const ok = at5k.counts.basic <= 5000;
  console.log(`\ngoal (basic, 5,000 routes): at most 5,000 series: ${f(at5k.counts.basic)} -> ${ok ? "met" : "NOT met"} (in this model)`);
  if (!ok) process.exitCode = 1;
}
