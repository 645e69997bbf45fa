// Reads a child process's structured (JSON) log lines as they arrive, for tests that run the
// appliance as a separate process and wait for what it reports.
export interface LogLines {
  readonly lines: string[];
  /** The first JSON log record matching pred, waiting up to ms for it. */
  waitFor(pred: (rec: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** The first JSON log record matching pred so far, if any. */
  find(pred: (rec: Record<string, unknown>) => boolean): Record<string, unknown> | undefined;
  /** Resolves when the stream ends. */
  done: Promise<void>;
}

export function collectLogLines(stream: ReadableStream<Uint8Array>): LogLines {
  const lines: string[] = [];
  const done = (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of stream) {
      buf += dec.decode(chunk);
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    }
  })().catch(() => {});
  const find = (pred: (rec: Record<string, unknown>) => boolean): Record<string, unknown> | undefined => {
    for (const l of lines) {
      try {
        const j = JSON.parse(l) as Record<string, unknown>;
        if (pred(j)) return j;
      } catch {
        // not a log line
      }
    }
    return undefined;
  };
  return {
    lines,
    find,
    done,
    async waitFor(pred, ms = 10_000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const hit = find(pred);
        if (hit) return hit;
        await Bun.sleep(20);
      }
      throw new Error(`timed out waiting for a log line; log:\n${lines.join("\n")}`);
    },
  };
}
