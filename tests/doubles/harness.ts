// Shared helpers for the supervision tests: a scratch folder with the Envoy double installed,
// a config pointing at it, a log sink to assert on, and polling with a deadline.
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, type ApplianceConfigDraft } from "../../src/config/types.ts";
import { createLogger, type Logger } from "../../src/log/logger.ts";
import { installFakeEnvoy } from "./fake-envoy-bin.ts";

export interface Scratch {
  dir: string;
  envoyPath: string;
  eventsFile: string;
  config: ApplianceConfigDraft;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), "edgegate-envoy-"));
  const envoyPath = installFakeEnvoy(dir);
  const config = defaultConfig("test-node");
  config.envoy = { ...config.envoy, path: envoyPath, adminAddress: { kind: "unix", path: join(dir, "admin.sock") }, drainSeconds: 0 };
  config.xds.socket = join(dir, "xds.sock");
  return { dir, envoyPath, eventsFile: join(dir, "events.jsonl"), config };
}

export interface FakeEvent {
  event: string;
  pid: number;
  t: number;
  [k: string]: unknown;
}

export function readEvents(file: string): FakeEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as FakeEvent);
}

export function captureLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const logger = createLogger({ level: "debug", sink: { write: (l) => out.push(l) } });
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export async function waitFor(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** True while `pid` exists and is not a zombie (a killed child awaiting its reaper is dead). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
