// Turns Envoy's log output (ENVOY_LOG_FORMAT lines, or anything else it prints) into fields for
// edgegate's structured logger, so operators read one log stream in one format.
import type { Fields, Level } from "../log/logger.ts";

export interface EnvoyLogRecord {
  level: Level;
  msg: string;
  fields: Fields;
}

const levels: Record<string, Level> = {
  trace: "debug",
  debug: "debug",
  info: "info",
  warning: "warn",
  warn: "warn",
  error: "error",
  critical: "error",
};

export function parseEnvoyLogLine(line: string, stream: "stdout" | "stderr"): EnvoyLogRecord {
  const text = line.trimEnd();
  if (text.startsWith("{")) {
    try {
      const rec: unknown = JSON.parse(text);
      if (rec && typeof rec === "object" && !Array.isArray(rec)) {
        const r = rec as Record<string, unknown>;
        const fields: Fields = { stream };
        if (typeof r.logger === "string") fields.envoy_logger = r.logger;
        if (typeof r.thread === "string" || typeof r.thread === "number") fields.thread = String(r.thread);
        if (typeof r.src === "string" && r.src !== ":" && r.src !== "") fields.src = r.src;
        // Access log records (src/xds/emit/access-log.ts): every request fact becomes a field.
        if (r.logger === "access_log")
          for (const [k, v] of Object.entries(r))
            if (!(k in fields) && k !== "level" && k !== "msg" && k !== "logger" && (typeof v === "string" || typeof v === "number")) fields[k] = v;
        return { level: levels[String(r.level)] ?? "info", msg: typeof r.msg === "string" ? r.msg : text, fields };
      }
    } catch {
      // Not our format after all (e.g. an operator's own --log-format): pass it through as text.
    }
  }
  // Envoy's default text format carries the level as "[info]"; keep it when present.
  const m = /\]\[(trace|debug|info|warning|error|critical)\]/.exec(text);
  const level: Level = m ? (levels[m[1]!] ?? "info") : "info";
  return { level, msg: text, fields: { stream } };
}

/** Splits a byte stream into lines; the last partial line is flushed when the stream ends. */
export async function forEachLine(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim() !== "") onLine(line);
    }
  }
  buf += decoder.decode();
  if (buf.trim() !== "") onLine(buf);
}
