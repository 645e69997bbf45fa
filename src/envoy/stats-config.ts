// Envoy's bootstrap stats_config: which of Envoy's statistics exist at all. Envoy creates a set of
// stats for every cluster (~100 names, histograms 22 series each) and, without a matcher, for every
// virtual host; at 5,000 routes that is hundreds of thousands of Prometheus series. The matcher
// decides at stat creation time (a stat it rejects is never allocated), so the bound is on memory
// as well as on what /metrics carries. Levels (envoy.stats.detail):
//   basic    (default) process, xDS, listener and HTTP connection manager stats: what grows with the
//            number of listeners, never with routes, clusters or endpoints. Plus edgegate's own
//            xds_cluster (the ADS connection's health).
//   cluster  basic + a fixed set of per-cluster stats (request totals and classes, timeouts, retries,
//            active connections, connect failures, overflow, membership, request-time histogram):
//            a known number of series per Service port.
//   all      no matcher: every stat Envoy has, per cluster and per virtual host included.
// bench/envoy-stats.ts models the series count each level gives for N routes.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { StatsConfigSchema } from "../gen/envoy/config/metrics/v3/stats_pb.ts";
import type { StringMatcherSchema } from "../gen/envoy/type/matcher/v3/string_pb.ts";

export type { EnvoyStatsDetail } from "../config/types.ts";
import type { EnvoyStatsDetail } from "../config/types.ts";
export const ENVOY_STATS_DETAILS: readonly EnvoyStatsDetail[] = ["basic", "cluster", "all"];

type Matcher = MessageInitShape<typeof StringMatcherSchema>;

/** Stat name prefixes kept at every level (full stat names, before tag extraction). */
export const BASIC_STAT_PREFIXES: readonly string[] = [
  "server.",
  "runtime.",
  "control_plane.",
  "overload.",
  "cluster_manager.",
  "listener_manager.",
  // Per listener (listener.<address>.*) and per HTTP connection manager (http.<stat_prefix>.*),
  // tcp_proxy (tcp.<stat_prefix>.*) and udp_proxy (udp.<stat_prefix>.*): one set per Gateway
  // listener or TLS passthrough chain, however many routes attach to it.
  "listener.",
  "http.",
  "tcp.",
  "udp.",
  "tls_inspector.",
  // Downstream codec stats (http1.*, http2.*): global, a fixed set.
  "http1.",
  "http2.",
  // The static cluster that carries ADS: is Envoy connected to edgegate?
  "cluster.xds_cluster.",
];

/**
 * Per-cluster stats kept at "cluster" detail: the golden signals per backend. Envoy's names, after
 * "cluster.<name>."; cluster names are namespace/service/port (no dots), so [^.]+ is one name.
 */
export const CLUSTER_STAT_NAMES: readonly string[] = [
  "upstream_rq_total",
  "upstream_rq_[1-5]xx",
  "upstream_rq_timeout",
  "upstream_rq_retry",
  "upstream_rq_pending_overflow",
  "upstream_cx_active",
  "upstream_cx_connect_fail",
  "membership_healthy",
  "membership_total",
  "upstream_rq_time",
];
export const CLUSTER_STATS_REGEX = `^cluster\\.[^.]+\\.(${CLUSTER_STAT_NAMES.join("|")})$`;

export function statsMatcherPatterns(detail: EnvoyStatsDetail): Matcher[] | undefined {
  if (detail === "all") return undefined;
  const patterns: Matcher[] = BASIC_STAT_PREFIXES.map((p) => ({ matchPattern: { case: "prefix", value: p } }));
  // One regex (evaluated once per stat name, when the stat is created; not per request).
  if (detail === "cluster") patterns.push({ matchPattern: { case: "safeRegex", value: { regex: CLUSTER_STATS_REGEX } } });
  return patterns;
}

/** Bootstrap.stats_config for a detail level. */
export function statsConfig(detail: EnvoyStatsDetail): MessageInitShape<typeof StatsConfigSchema> {
  const patterns = statsMatcherPatterns(detail);
  return {
    // Envoy's default tag extraction (cluster name, listener address, response code class...) is
    // what turns stat names into labelled Prometheus families; said explicitly, it is the default.
    useAllDefaultTags: true,
    ...(patterns ? { statsMatcher: { statsMatcher: { case: "inclusionList", value: { patterns } } } } : {}),
  };
}
