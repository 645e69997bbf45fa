// The bootstrap's stats_config per envoy.stats.detail: valid for Envoy (PGV rules and load-time
// checks from tests/envoy-rules, RE2 for the regex), and keeping the stat names it says it keeps.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Registry } from "@bufbuild/protobuf";
import { defaultConfig } from "../../src/config/types.ts";
import { parseConfig } from "../../src/config/load.ts";
import { bootstrapJson, buildBootstrap } from "../../src/envoy/bootstrap.ts";
import { CLUSTER_STATS_REGEX, ENVOY_STATS_DETAILS } from "../../src/envoy/stats-config.ts";
import { re2 as loadRe2, type Re2 } from "../../src/re2/re2.ts";
import { generatedRegistry } from "../envoy-rules/registry.ts";
import { checkBootstrap } from "../envoy-rules/check.ts";

let registry: Registry;
let re2: Re2;
beforeAll(async () => {
  registry = (await generatedRegistry()).registry;
  const r = loadRe2();
  if ("unavailable" in r) throw new Error(r.unavailable);
  re2 = r;
});

type Pattern = { prefix?: string; safe_regex?: { regex: string } };
const patternsOf = (detail: (typeof ENVOY_STATS_DETAILS)[number]): Pattern[] | undefined => {
  const c = defaultConfig("node-1");
  c.envoy.stats.detail = detail;
  const j = bootstrapJson(buildBootstrap(c)) as {
    stats_config: { use_all_default_tags: boolean; stats_matcher?: { inclusion_list: { patterns: Pattern[] } } };
  };
  expect(j.stats_config.use_all_default_tags).toBe(true);
  return j.stats_config.stats_matcher?.inclusion_list.patterns;
};
/**
 * Envoy's inclusion list: a stat exists when any pattern matches its full name (safe_regex is a
 * full match in Envoy; the pattern is anchored, so RE2's partial match is the same here).
 */
const kept = (patterns: Pattern[] | undefined, name: string): boolean =>
  !patterns || patterns.some((p) => (p.prefix !== undefined ? name.startsWith(p.prefix) : re2.partialMatch(p.safe_regex!.regex, name) === true));

describe("stats_config", () => {
  test("every detail level passes Envoy's proto rules and load-time checks", () => {
    for (const detail of ENVOY_STATS_DETAILS) {
      const c = defaultConfig("node-1");
      c.envoy.stats.detail = detail;
      expect({ detail, violations: checkBootstrap(buildBootstrap(c), registry, re2).violations }).toEqual({ detail, violations: [] });
    }
    expect(re2.compile(CLUSTER_STATS_REGEX)).toMatchObject({ ok: true });
  });

  test("basic keeps process, xDS, listener and connection-manager stats and no per-cluster or per-virtual-host ones", () => {
    const p = patternsOf("basic");
    for (const n of [
      "server.live",
      "cluster_manager.cds.update_success",
      "listener.0.0.0.0_80.downstream_cx_total",
      "http.0.0.0.0_80.downstream_rq_2xx",
      "cluster.xds_cluster.upstream_cx_active",
    ])
      expect({ n, kept: kept(p, n) }).toEqual({ n, kept: true });
    for (const n of [
      "cluster.default/shop/8080.upstream_rq_total",
      "vhost.shop.vcluster.other.upstream_rq_total",
      "cluster.default/shop/8080.upstream_rq_time",
    ])
      expect({ n, kept: kept(p, n) }).toEqual({ n, kept: false });
  });

  test("cluster adds a fixed set per cluster: response classes yes, per-code counters and the rest no", () => {
    const p = patternsOf("cluster");
    for (const n of [
      "cluster.default/shop/8080.upstream_rq_total",
      "cluster.default/shop/8080.upstream_rq_5xx",
      "cluster.default/shop/8080.upstream_rq_time",
      "cluster.default/shop/8080.membership_healthy",
    ])
      expect({ n, kept: kept(p, n) }).toEqual({ n, kept: true });
    for (const n of [
      "cluster.default/shop/8080.upstream_rq_503",
      "cluster.default/shop/8080.upstream_cx_total",
      "cluster.default/shop/8080.external.upstream_rq_5xx",
      "vhost.shop.vcluster.other.upstream_rq_total",
    ])
      expect({ n, kept: kept(p, n) }).toEqual({ n, kept: false });
  });

  test("all sets no matcher (every stat Envoy has)", () => {
    expect(patternsOf("all")).toBeUndefined();
  });

  test("envoy.stats.detail in the configuration file: accepted values, a clear error otherwise", () => {
    const ok = parseConfig("/etc/edgegate/edgegate.yaml", "source:\n  paths: [inputs]\nenvoy:\n  stats:\n    detail: cluster\n");
    expect(ok.problems).toEqual([]);
    expect(ok.config.envoy.stats.detail).toBe("cluster");
    const bad = parseConfig("/etc/edgegate/edgegate.yaml", "source:\n  paths: [inputs]\nenvoy:\n  stats:\n    detail: verbose\n");
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0]).toMatchObject({ line: 5, path: "envoy.stats.detail" });
    expect(bad.problems[0]!.message).toContain("basic, cluster, all");
  });
});
