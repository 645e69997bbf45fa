// The compiled binary with the Envoy process double (tests/doubles/envoy-process-double.py, no
// Envoy): /metrics asks the supervised Envoy's admin socket for its statistics (the double has no
// /stats/prometheus, so the answer is edgegate_envoy_stats_up 0 naming its 404, and everything of
// edgegate's is still there), and an access record Envoy writes to its stdout file comes out of
// edgegate's own log (stderr) as one structured line with the request's facts as fields.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { bin, lab } from "./lifecycle-lab.ts";

const started: Array<{ kill(sig?: number | NodeJS.Signals): void }> = [];
afterAll(() => {
  for (const p of started) p.kill("SIGKILL");
});
beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh (it builds the binary) before the tests`);
  if (!existsSync("/usr/bin/python3")) throw new Error("/usr/bin/python3 is missing: the Envoy process double needs it");
});

async function readUntil(stream: ReadableStream<Uint8Array>, pred: (line: string) => boolean, ms: number): Promise<string | undefined> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const deadline = Date.now() + ms;
  try {
    while (Date.now() < deadline) {
      const r = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => undefined)]);
      if (!r || r.done) return undefined;
      buf += decoder.decode(r.value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (pred(line)) return line;
      }
    }
    return undefined;
  } finally {
    reader.releaseLock();
  }
}

describe("dist/edgegate: Envoy's metrics and access log", () => {
  test("/metrics asks the supervised Envoy; an access record on Envoy's stdout is one structured log line", async () => {
    const l = await lab();
    const eg = l.start();
    started.push(eg);
    await l.waitStatus("envoy ready", (s) => s.envoy.phase === "ready");

    const text = await (await fetch(`${l.adminUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    expect(text).toContain("\nedgegate_envoy_stats_up 0\n");
    expect(text).toContain("# edgegate: Envoy's statistics are missing: Envoy's admin API answered 404\n");
    expect(text).toContain("\nedgegate_envoy_ready 1\n");

    // Envoy's stdout is envoy.stdout.log in the runtime folder (beside xds.socket).
    const record = {
      level: "info",
      logger: "access_log",
      msg: "access",
      client_address: "203.0.113.9",
      route_name: "HTTPRoute/default/lab/rule/0/match/0",
      upstream_cluster: "default/lab/8080",
      response_flags: "-",
      status: 200,
      duration_ms: 3,
    };
    appendFileSync(join(l.dir, "run", "envoy.stdout.log"), JSON.stringify(record) + "\n");
    const line = await readUntil(eg.stderr, (s) => s.includes('"msg":"access"'), 5000);
    expect(line).toBeDefined();
    const rec = JSON.parse(line!) as Record<string, unknown>;
    expect(rec).toMatchObject({
      level: "info",
      msg: "access",
      component: "envoy",
      envoy_logger: "access_log",
      client_address: "203.0.113.9",
      upstream_cluster: "default/lab/8080",
      status: 200,
      duration_ms: 3,
    });

    eg.kill("SIGTERM");
    expect(await eg.exited).toBe(0);
  }, 30_000);
});
