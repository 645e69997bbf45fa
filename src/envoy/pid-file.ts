// The record of the Envoy process edgegate started, kept in the runtime folder next to the xDS
// socket. It is how a restarted edgegate finds the Envoy that kept serving while edgegate was down,
// and how `edgegate stop` finds it for an uninstall: an Envoy is never left running without it.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface EnvoyRecord {
  pid: number;
  /** /proc/PID/stat start time: with the pid, names exactly this process. */
  startTime: string;
  /** The resolved binary and its identity (device, inode, size, mtime) when it was started. */
  binary: string;
  binaryId: string;
  bootstrapPath: string;
  /** sha256 of the bootstrap this process was started with. */
  bootstrapSha256: string;
  /** Hot restart: the epoch of this process and the file Envoy wrote its base id to. */
  restartEpoch: number;
  baseIdPath: string;
  /** Admin address from the bootstrap (envoy.adminAddress). */
  adminAddress: string;
  startedAt: string;
  /** The edgegate that started it. */
  startedBy: number;
}

export const ENVOY_PID_FILE = "envoy.pid.json";
export const EDGEGATE_PID_FILE = "edgegate.pid";

export const envoyPidFile = (runtimeDir: string): string => join(runtimeDir, ENVOY_PID_FILE);

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Changes when the file at `path` is replaced or rewritten (a package upgrade of Envoy). */
export function fileIdentity(path: string): string {
  const s = statSync(path);
  return `${s.dev}:${s.ino}:${s.size}:${Math.trunc(s.mtimeMs)}`;
}

function atomicWrite(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

export function writeEnvoyRecord(path: string, r: EnvoyRecord): void {
  atomicWrite(path, JSON.stringify(r, null, 2) + "\n");
}

const isRecord = (v: unknown): v is EnvoyRecord => {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.pid === "number" &&
    typeof r.startTime === "string" &&
    typeof r.binary === "string" &&
    typeof r.binaryId === "string" &&
    typeof r.bootstrapPath === "string" &&
    typeof r.bootstrapSha256 === "string" &&
    typeof r.restartEpoch === "number" &&
    typeof r.baseIdPath === "string" &&
    typeof r.adminAddress === "string"
  );
};

/** The record, or undefined when there is none; a damaged file is reported, not trusted. */
export function readEnvoyRecord(path: string): { record?: EnvoyRecord; problem?: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return {};
  }
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? { record: v } : { problem: `${path} does not hold an Envoy record` };
  } catch (e) {
    return { problem: `${path}: ${(e as Error).message}` };
  }
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** edgegate's own pid file: `pid startTime`, for `edgegate stop`. */
export function writeEdgegatePid(runtimeDir: string, pid: number, startTime: string): void {
  atomicWrite(join(runtimeDir, EDGEGATE_PID_FILE), `${pid} ${startTime}\n`);
}

export function readEdgegatePid(runtimeDir: string): { pid: number; startTime: string } | undefined {
  try {
    const [pid, startTime] = readFileSync(join(runtimeDir, EDGEGATE_PID_FILE), "utf8").trim().split(" ");
    return pid && startTime ? { pid: Number(pid), startTime } : undefined;
  } catch {
    return undefined;
  }
}
