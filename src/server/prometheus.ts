// A small writer for the Prometheus text exposition format (version 0.0.4): one HELP and one TYPE
// line per family, samples grouped under it, values and label values escaped as the format says.
// It refuses what Prometheus would reject or misread (bad names, counters without _total).

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge";
export type Labels = Record<string, string>;

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const escapeHelp = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
export const escapeLabelValue = (s: string): string => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Array<{ labels: Labels; value: number }>;
}

export class Exposition {
  private readonly families = new Map<string, Family>();

  /** Declares a family (once) and adds one sample to it. */
  add(name: string, type: MetricType, help: string, value: number, labels: Labels = {}): this {
    let f = this.families.get(name);
    if (!f) {
      if (!metricName.test(name)) throw new Error(`invalid metric name "${name}"`);
      if (type === "counter" && !name.endsWith("_total")) throw new Error(`counter "${name}" must end in _total`);
      f = { name, type, help, samples: [] };
      this.families.set(name, f);
    } else if (f.type !== type) {
      throw new Error(`metric "${name}" declared as ${f.type} and ${type}`);
    }
    for (const k of Object.keys(labels)) {
      if (!labelName.test(k) || k.startsWith("__")) throw new Error(`invalid label name "${k}" on ${name}`);
    }
    f.samples.push({ labels, value });
    return this;
  }

  /** Declares a family with no samples yet (still listed, so dashboards see it exists). */
  declare(name: string, type: MetricType, help: string): this {
    if (!this.families.has(name)) {
      this.add(name, type, help, 0);
      this.families.get(name)!.samples.pop();
    }
    return this;
  }

  /** Family names declared so far (so merged-in families can avoid them). */
  names(): Set<string> {
    return new Set(this.families.keys());
  }

  render(): string {
    let out = "";
    for (const f of this.families.values()) {
      out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
      for (const s of f.samples) {
        const entries = Object.entries(s.labels);
        const labels = entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}` : "";
        out += `${f.name}${labels} ${formatValue(s.value)}\n`;
      }
    }
    return out;
  }
}
