import { describe, expect, test } from "bun:test";
import { Exposition, escapeLabelValue, formatValue } from "../../src/server/prometheus.ts";
import { renderMetrics } from "../../src/server/metrics.ts";
import { healthyStatus } from "./fixture.ts";

/**
 * A strict reader of the text format: every sample belongs to the family declared just above it
 * by HELP then TYPE, families appear once, counters end in _total, label syntax is well formed.
 */
function parse(text: string): Map<string, { type: string; help: string; samples: Array<{ labels: string; value: string }> }> {
  const fams = new Map<string, { type: string; help: string; samples: Array<{ labels: string; value: string }> }>();
  const lines = text.split("\n");
  expect(lines.at(-1)).toBe("");
  let current: string | null = null;
  let pendingHelp: { name: string; help: string } | null = null;
  for (const line of lines.slice(0, -1)) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) {
      pendingHelp = { name: m[1]!, help: m[2]! };
    } else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) {
      expect(pendingHelp?.name).toBe(m[1]!);
      expect(fams.has(m[1]!)).toBe(false);
      if (m[2] === "counter") expect(m[1]!).toEndWith("_total");
      fams.set(m[1]!, { type: m[2]!, help: pendingHelp!.help, samples: [] });
      current = m[1]!;
      pendingHelp = null;
    } else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,|(?=\})))*\})? (\S+)$/.exec(line))) {
      expect(m[1]).toBe(current!);
      expect(m[3]!).toMatch(/^(NaN|[+-]Inf|-?\d+(\.\d+)?(e[+-]?\d+)?)$/);
      fams.get(current!)!.samples.push({ labels: m[2] ?? "", value: m[3]! });
    } else {
      throw new Error(`not exposition format: ${JSON.stringify(line)}`);
    }
  }
  return fams;
}

describe("prometheus writer", () => {
  test("escaping of help text and label values", () => {
    const text = new Exposition().add("x_total", "counter", 'help with \\ and\nnewline and "quotes"', 3, { reason: 'a "b" \\ c\nd' }).render();
    expect(text).toBe('# HELP x_total help with \\\\ and\\nnewline and "quotes"\n# TYPE x_total counter\nx_total{reason="a \\"b\\" \\\\ c\\nd"} 3\n');
    parse(text);
    expect(escapeLabelValue('\\"\n')).toBe('\\\\\\"\\n');
  });

  test("special values", () => {
    expect([NaN, Infinity, -Infinity, 1.5, 0, 1e21].map(formatValue)).toEqual(["NaN", "+Inf", "-Inf", "1.5", "0", "1e+21"]);
  });

  test("refuses what Prometheus would reject", () => {
    expect(() => new Exposition().add("restarts", "counter", "h", 1)).toThrow(/_total/);
    expect(() => new Exposition().add("1bad", "gauge", "h", 1)).toThrow(/invalid metric name/);
    expect(() => new Exposition().add("g", "gauge", "h", 1, { "bad-label": "x" })).toThrow(/invalid label/);
    expect(() => new Exposition().add("g", "gauge", "h", 1).add("g", "counter", "h", 1)).toThrow(/declared/);
  });

  test("samples of a family stay together", () => {
    const text = new Exposition().add("a", "gauge", "A", 1, { k: "1" }).add("b", "gauge", "B", 2).add("a", "gauge", "A", 3, { k: "2" }).render();
    expect(text).toBe('# HELP a A\n# TYPE a gauge\na{k="1"} 1\na{k="2"} 3\n# HELP b B\n# TYPE b gauge\nb 2\n');
  });
});

describe("/metrics content", () => {
  test("the appliance's metrics parse and carry the fixture's numbers", () => {
    const text = renderMetrics(healthyStatus(), { residentBytes: 123456 });
    const f = parse(text);
    const one = (name: string, labels = "") => f.get(name)!.samples.find((s) => s.labels === labels)?.value;
    expect(one("edgegate_healthy")).toBe("1");
    expect(one("edgegate_envoy_restarts_total")).toBe("2");
    expect(f.get("edgegate_envoy_restarts_total")!.type).toBe("counter");
    expect(one("edgegate_envoy_state", '{state="ready"}')).toBe("1");
    expect(one("edgegate_envoy_state", '{state="backoff"}')).toBe("0");
    expect(one("edgegate_xds_nacks_total", '{type="cds"}')).toBe("1");
    expect(one("edgegate_xds_pushes_total", '{type="lds"}')).toBe("4");
    expect(one("edgegate_xds_snapshot_build_seconds")).toBe("0.0025");
    expect(one("edgegate_objects", '{kind="HTTPRoute"}')).toBe("2");
    expect(one("edgegate_objects", '{kind="Gateway"}')).toBe("1");
    expect(one("edgegate_validation_errors")).toBe("1");
    expect(one("edgegate_build_info", '{version="0.1.0"}')).toBe("1");
    expect(one("process_resident_memory_bytes")).toBe("123456");
    expect(one("process_start_time_seconds")).toBe("1704067200");
  });

  test("objects family is declared even with no objects", () => {
    const s = healthyStatus();
    s.inputs.objects = [];
    s.inputs.counts = {};
    expect(parse(renderMetrics(s, { residentBytes: 1 })).get("edgegate_objects")!.samples).toEqual([]);
  });
});
