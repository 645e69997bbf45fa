// Structured logs: one JSON object per line on stderr, so journald, kubectl logs and log shippers
// can parse them without guessing. Fields never carry secret material: callers pass names, not data.
// Warnings and errors repeating the same message are rate-limited per message, so a flapping
// dependency cannot flood the journal; the next line that gets through says how many were dropped.
export type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  with(fields: Fields): Logger;
  /** Whether a level is written: skip building costly debug fields when it is not. */
  enabled(level: Level): boolean;
}

export interface LogSink {
  write(line: string): void;
}

export interface RateLimit {
  /** Lines of one (level, message) allowed per window. */
  burst: number;
  windowMs: number;
}

/** 10 identical warnings or errors per 10 s: enough to see a pattern, not enough to flood. */
export const defaultRateLimit: RateLimit = { burst: 10, windowMs: 10_000 };

const stderrSink: LogSink = { write: (line) => process.stderr.write(line) };

interface LoggerOptions {
  level?: Level;
  format?: "json" | "text";
  sink?: LogSink;
  base?: Fields;
  rateLimit?: RateLimit | false;
  now?: () => number;
}

/** Per (level, message): lines written in the current window and lines dropped since the last one written. */
type Limiter = Map<string, { windowStart: number; count: number; dropped: number }>;

function textValue(v: unknown): string {
  const s = Array.isArray(v) ? v.join(",") : String(v);
  return /[\s"=]/.test(s) || s === "" ? JSON.stringify(s) : s;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return build(opts, new Map());
}

function build(opts: LoggerOptions, limiter: Limiter): Logger {
  const min = order[opts.level ?? "info"];
  const sink = opts.sink ?? stderrSink;
  const format = opts.format ?? "json";
  const base = opts.base ?? {};
  const limit = opts.rateLimit === false ? undefined : (opts.rateLimit ?? defaultRateLimit);
  const now = opts.now ?? Date.now;
  /** Undefined: drop the line; otherwise how many like it were dropped before it. */
  const admit = (level: Level, msg: string): number | undefined => {
    if (!limit || order[level] < order.warn) return 0;
    const key = `${level}\u0000${msg}`;
    const t = now();
    let e = limiter.get(key);
    if (!e || t - e.windowStart >= limit.windowMs) {
      const dropped = e?.dropped ?? 0;
      e = { windowStart: t, count: 0, dropped: 0 };
      limiter.set(key, e);
      e.count++;
      return dropped;
    }
    if (e.count >= limit.burst) {
      e.dropped++;
      return undefined;
    }
    e.count++;
    const dropped = e.dropped;
    e.dropped = 0;
    return dropped;
  };
  const emit = (level: Level, msg: string, fields?: Fields): void => {
    if (order[level] < min) return;
    const dropped = admit(level, msg);
    if (dropped === undefined) return;
    const all: Fields = { ...base, ...fields, ...(dropped > 0 ? { suppressed: dropped } : {}) };
    const ts = new Date().toISOString();
    if (format === "json") {
      sink.write(JSON.stringify({ ts, level, msg, ...all }) + "\n");
      return;
    }
    const kv = Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${textValue(v)}`)
      .join(" ");
    sink.write(`${ts} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? " " + kv : ""}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    // Children share the parent's limiter: a message is limited however many loggers write it.
    with: (f) => build({ ...opts, base: { ...base, ...f } }, limiter),
    enabled: (level) => order[level] >= min,
  };
}

/** A logger that drops everything: for pure-stage tests and `render`. */
export const silentLogger: Logger = createLogger({ sink: { write: () => {} } });
