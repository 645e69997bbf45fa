// Envoy's statistics on /metrics, against a test double of Envoy's admin endpoint (no Envoy can run
// here): the merge (renamed into envoy_*, edgegate's families untouched, every family once), the
// short timeout and edgegate_envoy_stats_up 0 when Envoy is absent, slow, failing or too big.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminApp } from "../../src/server/apps.ts";
import { envoyStatsSource, relabelEnvoyExposition } from "../../src/server/envoy-stats.ts";
import { parseAddress } from "../../src/net/address.ts";
import { renderMetrics } from "../../src/server/metrics.ts";
import { startAdminStatsDouble, type AdminStatsDouble } from "../doubles/envoy-admin-stats.ts";
import { healthyStatus, provide } from "./fixture.ts";

interface Family {
  type: string;
  samples: string[];
}

/** Text format 0.0.4: families once, HELP then TYPE, each sample under its own family. */
function families(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  let current: string | undefined;
  let help: string | undefined;
  for (const line of text.split("\n")) {
    if (line === "" || (line.startsWith("#") && !line.startsWith("# HELP ") && !line.startsWith("# TYPE "))) continue;
    let m: RegExpExecArray | null;
    if ((m = /^# HELP (\S+) /.exec(line))) help = m[1];
    else if ((m = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line))) {
      expect(help).toBe(m[1]!);
      expect(out.has(m[1]!)).toBe(false);
      out.set(m[1]!, { type: m[2]!, samples: [] });
      current = m[1]!;
    } else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line))) {
      const fam = out.get(current!)!;
      const suffix = fam.type === "histogram" ? /^(_bucket|_sum|_count)$/ : /^$/;
      expect(m[1]!.startsWith(current!) && suffix.test(m[1]!.slice(current!.length))).toBe(true);
      fam.samples.push(line);
    } else throw new Error(`not exposition format: ${JSON.stringify(line)}`);
  }
  return out;
}

const value = (f: Map<string, Family>, name: string): string => f.get(name)!.samples[0]!.split(" ").at(-1)!;

let doubles: AdminStatsDouble[] = [];
afterEach(() => {
  for (const d of doubles) d.stop();
  doubles = [];
});
const double = (o?: Parameters<typeof startAdminStatsDouble>[0]): AdminStatsDouble => {
  const d = startAdminStatsDouble(o);
  doubles.push(d);
  return d;
};

async function scrape(adminAddress: string, opts: { timeoutMs?: number; maxBytes?: number } = {}, s = healthyStatus()): Promise<{ text: string; ms: number }> {
  const app = createAdminApp(provide(s), {
    processFacts: () => ({ residentBytes: 1 }),
    envoyStats: envoyStatsSource(parseAddress(adminAddress, "envoy.adminAddress"), opts),
  });
  const t0 = performance.now();
  const res = await app.request("/metrics");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return { text: await res.text(), ms: performance.now() - t0 };
}

describe("Envoy's exposition renamed into envoy_*", () => {
  test("prefixes what Envoy does not, keeps labels and values byte for byte, adds HELP", () => {
    const r = relabelEnvoyExposition(
      ["# TYPE wasm_calls counter", 'wasm_calls{a="x\\"y",b="2"} 3 1700000000', "# TYPE envoy_server_live gauge", "envoy_server_live{} 1", ""].join("\n"),
      new Set(),
    );
    expect(r.text).toBe(
      [
        "# HELP envoy_wasm_calls Envoy statistic wasm_calls (from Envoy's admin API, /stats/prometheus).",
        "# TYPE envoy_wasm_calls counter",
        'envoy_wasm_calls{a="x\\"y",b="2"} 3 1700000000',
        "# HELP envoy_server_live Envoy statistic envoy_server_live (from Envoy's admin API, /stats/prometheus).",
        "# TYPE envoy_server_live gauge",
        "envoy_server_live{} 1",
        "",
      ].join("\n"),
    );
    expect(r.series).toBe(2);
  });

  test("a family edgegate already has is dropped whole, never merged; junk lines are counted, not passed on", () => {
    const text = [
      "# TYPE envoy_x histogram",
      'envoy_x_bucket{le="+Inf"} 1',
      "envoy_x_sum 1",
      "envoy_x_count 1",
      "# TYPE envoy_y gauge",
      "envoy_y 2",
      "this is not a sample line",
      "",
    ].join("\n");
    const r = relabelEnvoyExposition(text, new Set(["envoy_x"]));
    expect(r.dropped).toEqual(["envoy_x"]);
    expect(r.malformed).toBe(1);
    expect(r.series).toBe(1);
    expect(r.text).not.toContain("envoy_x");
    expect(r.text).toContain("envoy_y 2\n");
  });

  test("a family Envoy repeats is declared once", () => {
    const r = relabelEnvoyExposition('# TYPE envoy_a gauge\nenvoy_a{x="1"} 1\n# TYPE envoy_a gauge\nenvoy_a{x="2"} 2\n', new Set());
    expect(r.text.match(/# TYPE envoy_a /g)?.length).toBe(1);
    expect(r.series).toBe(2);
  });
});

describe("/metrics with Envoy's statistics", () => {
  test("merged from the admin API over TCP: edgegate's families unchanged, Envoy's after them, each family once", async () => {
    const d = double();
    const { text } = await scrape(d.address);
    expect(d.requests).toBe(1);
    const f = families(text);
    // edgegate's own families are exactly what renderMetrics gives without Envoy.
    const own = families(renderMetrics(healthyStatus(), { residentBytes: 1 }));
    for (const [name, fam] of own) expect(f.get(name)).toEqual(fam);
    expect(value(f, "edgegate_envoy_stats_up")).toBe("1");
    const envoyFamilies = [...f.keys()].filter((n) => n.startsWith("envoy_"));
    expect(envoyFamilies.sort()).toEqual([
      "envoy_cluster_upstream_rq_total",
      "envoy_http_downstream_rq_time",
      "envoy_http_downstream_rq_xx",
      "envoy_server_live",
      "envoy_server_memory_allocated",
      "envoy_wasm_filter_calls",
    ]);
    // Every family is either edgegate's, the process's or Envoy's: nothing unprefixed leaks in.
    for (const name of f.keys()) expect(name).toMatch(/^(edgegate_|process_|envoy_)/);
    const envoySeries = envoyFamilies.reduce((n, name) => n + f.get(name)!.samples.length, 0);
    expect(value(f, "edgegate_envoy_stats_series")).toBe(String(envoySeries));
    // 19 default buckets + +Inf + _sum + _count.
    expect(f.get("envoy_http_downstream_rq_time")!.samples.length).toBe(22);
    expect(text).toContain('envoy_http_downstream_rq_xx{envoy_response_code_class="5",envoy_http_conn_manager_prefix="http.0.0.0.0_80"} 2\n');
    expect(text).toContain('envoy_wasm_filter_calls{plugin="a\\"b"} 3\n');
  });

  test("over a Unix socket admin address", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eg-admin-"));
    try {
      const d = double({ unix: join(dir, "admin.sock") });
      const f = families((await scrape(d.address)).text);
      expect(value(f, "edgegate_envoy_stats_up")).toBe("1");
      expect(f.has("envoy_server_live")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an Envoy that does not answer in time: /metrics answers after the short timeout with up 0 and everything of edgegate's", async () => {
    const d = double();
    d.behaviour.delayMs = 5000;
    const { text, ms } = await scrape(d.address, { timeoutMs: 200 });
    expect(ms).toBeGreaterThanOrEqual(190);
    expect(ms).toBeLessThan(2000);
    const f = families(text);
    expect(value(f, "edgegate_envoy_stats_up")).toBe("0");
    expect(value(f, "edgegate_envoy_stats_series")).toBe("0");
    expect([...f.keys()].some((n) => n.startsWith("envoy_"))).toBe(false);
    expect(f.has("edgegate_healthy")).toBe(true);
    expect(text).toContain("# edgegate: Envoy's statistics are missing: no answer within 200 ms\n");
  });

  test("nothing listening on the admin address: up 0 at once, with the reason", async () => {
    const d = double();
    const address = d.address;
    d.stop();
    const { text, ms } = await scrape(address);
    expect(ms).toBeLessThan(1500);
    expect(value(families(text), "edgegate_envoy_stats_up")).toBe("0");
    expect(text).toContain("# edgegate: Envoy's statistics are missing: cannot reach Envoy's admin API");
  });

  test("no Envoy supervised (not found, stopped): the admin address is not even asked", async () => {
    const d = double();
    for (const phase of ["not-found", "stopped"] as const) {
      const s = healthyStatus();
      s.envoy = { ...s.envoy, phase };
      const { text } = await scrape(d.address, {}, s);
      expect(value(families(text), "edgegate_envoy_stats_up")).toBe("0");
      expect(text).toContain(`# edgegate: Envoy's statistics are missing: Envoy is ${phase}\n`);
    }
    expect(d.requests).toBe(0);
  });

  test("an error status or an answer over the size cap is up 0, not a partial merge", async () => {
    const d = double();
    d.behaviour.status = 503;
    let f = families((await scrape(d.address)).text);
    expect(value(f, "edgegate_envoy_stats_up")).toBe("0");
    d.behaviour.status = 200;
    const big = await scrape(d.address, { maxBytes: 100 });
    f = families(big.text);
    expect(value(f, "edgegate_envoy_stats_up")).toBe("0");
    expect(big.text).toContain("exceed 100 bytes; lower envoy.stats.detail");
    expect([...f.keys()].some((n) => n.startsWith("envoy_"))).toBe(false);
  });

  test("without an Envoy stats source /metrics is edgegate's alone (no up gauge to mislead)", async () => {
    const res = await createAdminApp(provide(healthyStatus()), { processFacts: () => ({ residentBytes: 1 }) }).request("/metrics");
    expect(await res.text()).not.toContain("edgegate_envoy_stats_up");
  });
});
