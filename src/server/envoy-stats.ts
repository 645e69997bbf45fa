// Envoy's own statistics on edgegate's /metrics: fetched from the supervised Envoy's admin API
// (GET /stats/prometheus on envoy.adminAddress, loopback or a Unix socket) at scrape time, so one
// Prometheus target covers both processes. Every Envoy family is renamed into the envoy_ namespace
// (Envoy already prefixes most; extension stats with a custom namespace are not) and a family that
// would still collide with one of edgegate's is dropped, never merged. A short timeout and a size
// cap keep a wedged or huge Envoy from wedging /metrics: then edgegate_envoy_stats_up is 0.
import { adminRequestTarget, type AdminAddress } from "../envoy/admin-address.ts";
import type { EnvoyPhase } from "../envoy/state.ts";

/** Envoy renders /stats/prometheus in well under this for bounded stats (envoy.stats.detail: basic). */
export const ENVOY_STATS_TIMEOUT_MS = 2000;
/** More than this is not a bounded configuration; refuse it rather than buffer it. */
export const ENVOY_STATS_MAX_BYTES = 32 * 1024 * 1024;

export type EnvoyStatsScrape = { up: true; seconds: number; text: string } | { up: false; seconds: number; reason: string };

export interface ScrapeOptions {
  timeoutMs?: number;
  maxBytes?: number;
}

async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string | null> {
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) return null;
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/** One GET /stats/prometheus with a deadline covering connect, headers and body. */
export async function scrapeEnvoyStats(addr: AdminAddress, o: ScrapeOptions = {}): Promise<EnvoyStatsScrape> {
  const timeoutMs = o.timeoutMs ?? ENVOY_STATS_TIMEOUT_MS;
  const maxBytes = o.maxBytes ?? ENVOY_STATS_MAX_BYTES;
  const { url, unix } = adminRequestTarget(addr, "/stats/prometheus");
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { signal, ...(unix ? { unix } : {}) });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return { up: false, seconds: seconds(), reason: `Envoy's admin API answered ${res.status}` };
    }
    const text = await readCapped(res.body, maxBytes);
    if (text === null) return { up: false, seconds: seconds(), reason: `Envoy's statistics exceed ${maxBytes} bytes; lower envoy.stats.detail` };
    return { up: true, seconds: seconds(), text };
  } catch (err) {
    const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : `cannot reach Envoy's admin API: ${(err as Error).message}`;
    return { up: false, seconds: seconds(), reason };
  }
}

/** The scraper the admin app calls per /metrics request; it does not ask an Envoy that is not there. */
export function envoyStatsSource(addr: AdminAddress, o: ScrapeOptions = {}): (phase: EnvoyPhase) => Promise<EnvoyStatsScrape> {
  return async (phase) => {
    if (phase === "not-found" || phase === "stopped") return { up: false, seconds: 0, reason: `Envoy is ${phase}` };
    return scrapeEnvoyStats(addr, o);
  };
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?[ \t]+(\S+)([ \t]+-?\d+)?$/;
const typeLine = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/;
const helpLine = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*)(?: (.*))?$/;

export const envoyName = (name: string): string => (name.startsWith("envoy_") ? name : `envoy_${name}`);

export interface Relabelled {
  text: string;
  /** Samples kept: the number of series Envoy adds to /metrics. */
  series: number;
  /** Families dropped because edgegate already has a family of that name (after renaming). */
  dropped: string[];
  /** Lines that were neither a sample, HELP/TYPE nor a comment (left out). */
  malformed: number;
}

/**
 * Envoy's exposition, renamed into envoy_*: samples keep their labels and values byte for byte;
 * families in `taken` (edgegate's own) and repeated TYPE lines for one family are left out.
 */
export function relabelEnvoyExposition(text: string, taken: ReadonlySet<string>): Relabelled {
  const out: string[] = [];
  const typed = new Set<string>();
  const helped = new Set<string>();
  const dropped = new Set<string>();
  let series = 0;
  let malformed = 0;
  // The family the following samples belong to (histogram samples carry _bucket/_sum/_count).
  let family: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const t = typeLine.exec(line);
      if (t) {
        const name = envoyName(t[1]!);
        family = name;
        if (taken.has(name)) dropped.add(name);
        else if (!typed.has(name)) {
          typed.add(name);
          // Envoy writes no HELP; readers (and strict parsers) expect one per family.
          if (!helped.has(name)) out.push(`# HELP ${name} Envoy statistic ${t[1]} (from Envoy's admin API, /stats/prometheus).`);
          out.push(`# TYPE ${name} ${t[2]}`);
        }
        continue;
      }
      const h = helpLine.exec(line);
      const helpName = h ? envoyName(h[1]!) : undefined;
      if (helpName && !taken.has(helpName) && !helped.has(helpName) && !typed.has(helpName)) {
        helped.add(helpName);
        out.push(`# HELP ${helpName} ${h![2] ?? ""}`.trimEnd());
      }
      continue;
    }
    const s = sampleLine.exec(line);
    if (!s) {
      malformed++;
      continue;
    }
    const name = envoyName(s[1]!);
    const fam = family && (name === family || name.startsWith(`${family}_`)) ? family : name;
    if (taken.has(fam) || taken.has(name)) {
      dropped.add(fam);
      continue;
    }
    out.push(`${name}${s[2] ?? ""} ${s[3]}${s[4] ?? ""}`);
    series++;
  }
  return { text: out.length ? `${out.join("\n")}\n` : "", series, dropped: [...dropped].sort(), malformed };
}
