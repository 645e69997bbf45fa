// Structured logs: one JSON object per line on stderr, so journald, kubectl logs and log shippers
// can parse them without guessing. Fields never carry secret material: callers pass names, not data.
export type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, string | number | boolean | null | undefined | string[]>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  with(fields: Fields): Logger;
}

export interface LogSink {
  write(line: string): void;
}

const stderrSink: LogSink = { write: (line) => process.stderr.write(line) };

export function createLogger(opts: { level?: Level; format?: "json" | "text"; sink?: LogSink; base?: Fields } = {}): Logger {
  const min = order[opts.level ?? "info"];
  const sink = opts.sink ?? stderrSink;
  const format = opts.format ?? "json";
  const base = opts.base ?? {};
  const emit = (level: Level, msg: string, fields?: Fields): void => {
    if (order[level] < min) return;
    const rec = { ts: new Date().toISOString(), level, msg, ...base, ...fields };
    if (format === "json") {
      sink.write(JSON.stringify(rec) + "\n");
      return;
    }
    const kv = Object.entries({ ...base, ...fields })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
      .join(" ");
    sink.write(`${rec.ts} ${level.toUpperCase().padEnd(5)} ${msg}${kv ? " " + kv : ""}\n`);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    with: (f) => createLogger({ ...opts, base: { ...base, ...f } }),
  };
}

/** A logger that drops everything: for pure-stage tests and `render`. */
export const silentLogger: Logger = createLogger({ sink: { write: () => {} } });
