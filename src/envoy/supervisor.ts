// Runs Envoy: start, watch readiness, restart with backoff when it dies, drain and stop it on
// shutdown. Envoy outlives edgegate on purpose: a crash, kill or upgrade of edgegate must not take
// traffic down, so Envoy runs in its own session, logs to a file instead of a pipe, and is recorded
// in a pid file; the next edgegate adopts it (after checking it really is that Envoy), serves it
// xDS again (Envoy reconnects ADS by itself) and supervises it from then on. When a new Envoy
// process is needed (other bootstrap, other binary), Envoy's hot restart hands the listening
// sockets over without refusing a connection. Never throws for a missing Envoy: the rest of the
// appliance keeps running and the state says why Envoy is not there.
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { ApplianceConfig } from "../config/types.ts";
import type { Logger } from "../log/logger.ts";
import type { AdminAddress } from "./admin-address.ts";
import { formatAddress } from "../net/address.ts";
import { drainListeners, getReady, getRestartEpoch } from "./admin-client.ts";
import { Backoff, defaultBackoff, type BackoffPolicy } from "./backoff.ts";
import { envoyInstallHint } from "./binary.ts";
import { LocalLauncher, type EnvoyLauncher, type Launched, type Located } from "./launcher.ts";
import { envoyArgs, PARENT_SHUTDOWN_MARGIN_S, type HotRestart } from "./command.ts";
import { identify } from "./identity.ts";
import { parseEnvoyLogLine } from "./log-lines.ts";
import { LogTail } from "./log-tail.ts";
import { envoyPidFile, readEnvoyRecord, removeFile, sha256, writeEnvoyRecord, type EnvoyRecord } from "./pid-file.ts";
import { sameProcessAlive, signalIfSame } from "./proc.ts";
import type { EnvoyExit, EnvoyState } from "./state.ts";

export interface SupervisorTiming {
  /** How often /ready is polled. */
  readyPollMs: number;
  /** Timeout of one admin API call. */
  adminTimeoutMs: number;
  /** SIGTERM -> SIGKILL grace period. */
  killGraceMs: number;
  /** While not found: how often the binary is looked for again. */
  notFoundRecheckMs: number;
  /** How often an adopted Envoy (not our child: no exit notification) is checked for life. */
  adoptedPollMs: number;
  backoff: BackoffPolicy;
}

export const defaultTiming: SupervisorTiming = {
  readyPollMs: 1000,
  adminTimeoutMs: 1000,
  killGraceMs: 5000,
  notFoundRecheckMs: 30_000,
  adoptedPollMs: 100,
  backoff: defaultBackoff,
};

export interface SupervisorOptions {
  envoy: ApplianceConfig["envoy"];
  /** The bootstrap JSON (renderBootstrap(config)). */
  bootstrap: string;
  /**
   * Where edgegate keeps Envoy's files: the bootstrap (one file per content, so a running Envoy's
   * file never changes under it), the pid record, the base id and the log.
   */
  runtimeDir: string;
  logger: Logger;
  /** Environment for the PATH lookup and the child; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Who starts Envoy: edgegate itself (default) or `edgegate launcher` in another container. */
  launcher?: EnvoyLauncher;
  timing?: Partial<SupervisorTiming>;
}

export interface StopOptions {
  /** false skips the drain period (e.g. a second SIGTERM from an impatient operator). */
  drain?: boolean;
}

/** One Envoy process under supervision: our child, or adopted from an earlier edgegate. */
interface Tracked {
  record: EnvoyRecord;
  child?: Subprocess;
  /** Resolves when the process is gone (code/signal only known for our own child). */
  exited: Promise<{ code: number | null; signal: string | null }>;
  adopted: boolean;
}

const now = () => new Date().toISOString();

export class EnvoySupervisor {
  private readonly timing: SupervisorTiming;
  private readonly admin: AdminAddress;
  private readonly log: Logger;
  private readonly env: Record<string, string | undefined>;
  private readonly listeners = new Set<(s: EnvoyState) => void>();
  private readonly pidFile: string;
  /** Envoy's stdout and stderr, each a file in the runtime folder. */
  private readonly logFiles: { stdout: string; stderr: string };
  private readonly baseIdPath: string;
  private current: EnvoyState;
  private readonly launcher: EnvoyLauncher;
  private tracked: Tracked | null = null;
  /** The parent of a hot restart, draining until it exits by itself. */
  private retiring: Tracked | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  /** detach(): stop supervising and leave Envoy running for the next edgegate. */
  private detaching = false;
  private release: (() => void) | null = null;
  private readonly released: Promise<void>;
  private stopped: Promise<void> | null = null;
  /** The adoption check in flight (it awaits the admin API): shutdown waits for its outcome. */
  private pending: Promise<Tracked | undefined> | null = null;
  private hotRestartFailed = false;
  /** Resolves a pending sleep early (stop() during backoff or not-found). */
  private wake: (() => void) | null = null;

  constructor(private readonly opts: SupervisorOptions) {
    this.timing = { ...defaultTiming, ...opts.timing, backoff: { ...defaultTiming.backoff, ...opts.timing?.backoff } };
    this.admin = opts.envoy.adminAddress;
    this.log = opts.logger.with({ component: "envoy-supervisor" });
    this.env = opts.env ?? process.env;
    this.launcher = opts.launcher ?? new LocalLauncher(this.env);
    this.pidFile = envoyPidFile(opts.runtimeDir);
    this.logFiles = { stdout: join(opts.runtimeDir, "envoy.stdout.log"), stderr: join(opts.runtimeDir, "envoy.stderr.log") };
    this.baseIdPath = join(opts.runtimeDir, "envoy-base-id");
    this.released = new Promise((resolve) => (this.release = resolve));
    this.current = { phase: "stopped", message: "not started", restarts: 0, pidFile: this.pidFile };
  }

  state(): EnvoyState {
    return { ...this.current, ...(this.current.lastExit ? { lastExit: { ...this.current.lastExit } } : {}) };
  }

  /** Called on every state change; returns an unsubscribe function. */
  onChange(fn: (s: EnvoyState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Starts supervising (adopting a running Envoy of an earlier edgegate); returns at once. */
  start(): void {
    if (this.loop || this.stopping) return;
    mkdirSync(this.opts.runtimeDir, { recursive: true, mode: 0o700 });
    this.loop = this.run().catch((err: unknown) => {
      this.log.error("envoy supervisor failed", { error: String(err) });
      this.update({ phase: "stopped", message: `supervisor failed: ${String(err)}` });
    });
  }

  /**
   * Drains and stops Envoy (drain_listeners, drainSeconds, SIGTERM, SIGKILL) and removes its pid
   * record. Idempotent; a later call with drain: false cuts a drain in progress short.
   */
  stop(opts: StopOptions = {}): Promise<void> {
    if (opts.drain === false) {
      this.drainCut = true;
      this.cutDrain?.();
    }
    this.stopped ??= this.shutdown(opts.drain ?? true);
    return this.stopped;
  }

  /**
   * Stops supervising without touching Envoy: it keeps serving its last configuration and stays
   * recorded in the pid file for the next edgegate to adopt (an upgrade of edgegate).
   */
  async detach(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.detaching = true;
    this.stopping = true;
    this.wake?.();
    this.release?.();
    this.stopped = (async () => {
      await this.loop;
      this.tracked?.child?.unref();
      this.log.info("envoy left running for the next edgegate", { pid: this.tracked?.record.pid ?? null, pid_file: this.pidFile });
    })();
    return this.stopped;
  }

  /** Ends the drain wait early (set while shutdown() waits for drainSeconds). */
  private cutDrain: (() => void) | null = null;
  /** Set by stop({drain:false}); read before waiting, in case it came while /drain_listeners was in flight. */
  private drainCut = false;

  private update(patch: Partial<EnvoyState>): void {
    const next: EnvoyState = { ...this.current, ...patch };
    for (const k of Object.keys(next) as (keyof EnvoyState)[]) if (next[k] === undefined) delete next[k];
    const changed = next.phase !== this.current.phase || next.pid !== this.current.pid || next.message !== this.current.message;
    this.current = next;
    if (!changed) return;
    const s = this.state();
    for (const fn of this.listeners) {
      try {
        fn(s);
      } catch (err) {
        this.log.error("envoy state listener threw", { error: String(err) });
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.timing.backoff);
    while (!this.stopping) {
      this.pending = this.fromEarlierEdgegate();
      let t = await this.pending;
      this.pending = null;
      if (this.stopping) {
        if (t) this.tracked = t;
        break;
      }
      if (!t) {
        const located = await this.locate();
        if (this.stopping) break;
        if (!located) {
          if (this.current.phase !== "not-found") this.log.error(envoyInstallHint(this.opts.envoy.path));
          this.update({ phase: "not-found", message: envoyInstallHint(this.opts.envoy.path), binary: undefined, pid: undefined });
          await this.sleep(this.timing.notFoundRecheckMs);
          continue;
        }
        t = await this.spawn({ epoch: 0, baseIdPath: this.baseIdPath });
        if (this.stopping) {
          // stop() came while the launcher was starting it: shutdown() could not see it, so it is
          // stopped here (shutdown waits for this loop); a detach leaves it running.
          if (t) {
            this.tracked = t;
            if (!this.detaching) await this.terminate(t);
          }
          break;
        }
      }
      const exit = t ? await this.supervise(t) : { code: null, signal: null, at: now(), ranForMs: 0 };
      if (this.detaching) break;
      this.update({ lastExit: exit });
      if (this.stopping) break;
      const delay = backoff.next(exit.ranForMs);
      const how = exit.signal ? `signal ${exit.signal}` : exit.code === null ? "unknown status (adopted)" : `code ${exit.code}`;
      this.log.error("envoy exited; restarting after backoff", { code: exit.code, signal: exit.signal, ran_for_ms: exit.ranForMs, backoff_ms: delay });
      this.update({
        phase: "backoff",
        message: `envoy exited (${how}) after ${exit.ranForMs} ms; restarting in ${delay} ms`,
        pid: undefined,
        readySince: undefined,
        adopted: undefined,
        lastExit: exit,
        nextStartAt: new Date(Date.now() + delay).toISOString(),
      });
      await this.sleep(delay);
      if (!this.stopping) this.update({ restarts: this.current.restarts + 1, nextStartAt: undefined });
    }
  }

  /**
   * The Envoy an earlier edgegate (or this one, before a failed hot restart) left running: adopted
   * as it is when its bootstrap and binary are what we would start now, else hot-restarted into a
   * new process. Undefined when there is none to take over.
   */
  private async fromEarlierEdgegate(): Promise<Tracked | undefined> {
    // A hot restart whose child died: the parent still serves; take it back rather than starting
    // an epoch 0 that could not bind the ports the parent holds.
    if (this.retiring && sameProcessAlive(this.retiring.record.pid, this.retiring.record.startTime)) {
      const parent = this.retiring;
      this.retiring = null;
      this.hotRestartFailed = true;
      writeEnvoyRecord(this.pidFile, parent.record);
      this.log.error("hot restart failed; the previous Envoy keeps serving its configuration", { pid: parent.record.pid });
      return this.adopt(parent.record);
    }
    const { record, problem } = readEnvoyRecord(this.pidFile);
    if (problem) {
      this.log.warn("envoy pid record unreadable; starting a new Envoy", { problem });
      removeFile(this.pidFile);
    }
    if (!record) return undefined;
    const id = await identify(record, this.timing.adminTimeoutMs);
    if (id.verdict === "gone") {
      this.log.info("the Envoy of the pid record is gone; starting a new one", { pid: record.pid, reason: id.reason });
      removeFile(this.pidFile);
      return undefined;
    }
    if (id.verdict === "ours-unresponsive") {
      this.log.error("the Envoy left by an earlier edgegate does not answer; killing it and starting a new one", { pid: record.pid, reason: id.reason });
      signalIfSame(record.pid, record.startTime, "SIGKILL");
      const deadline = Date.now() + this.timing.killGraceMs;
      while (sameProcessAlive(record.pid, record.startTime) && Date.now() < deadline) await Bun.sleep(20);
      removeFile(this.pidFile);
      return undefined;
    }
    if (this.stopping) return this.adopt(record);
    const located = await this.locate();
    const reasons: string[] = [];
    if (record.bootstrapSha256 !== sha256(this.opts.bootstrap)) reasons.push("the bootstrap changed");
    if (located && (located.binary !== record.binary || located.binaryId !== record.binaryId)) reasons.push(`the Envoy binary changed (${located.binary})`);
    if (reasons.length === 0 || !located || this.hotRestartFailed || this.stopping) {
      if (reasons.length > 0) this.log.warn("cannot hot-restart Envoy now; adopting it as it is", { pid: record.pid, wanted_because: reasons.join("; ") });
      return this.adopt(record);
    }
    const baseId = readBaseId(record.baseIdPath);
    if (baseId === undefined) {
      this.log.warn("no base id recorded for a hot restart; adopting Envoy as it is", { pid: record.pid, base_id_path: record.baseIdPath });
      return this.adopt(record);
    }
    const parent = this.adopt(record);
    this.retiring = parent;
    this.watchRetiring(parent);
    const child = await this.spawn({ epoch: record.restartEpoch + 1, baseId, baseIdPath: record.baseIdPath });
    if (!child) return undefined;
    const reason = reasons.join("; ");
    this.log.info("envoy hot restart: the new process takes the listening sockets over, the old one drains", {
      from_pid: record.pid,
      to_pid: child.record.pid,
      epoch: child.record.restartEpoch,
      reason,
    });
    this.update({ lastHotRestart: { at: now(), fromPid: record.pid, toPid: child.record.pid, reason } });
    return child;
  }

  /** Follows a process that is not our child: no exit notification, so /proc is polled. */
  private adopt(record: EnvoyRecord, log = true): Tracked {
    const exited = (async () => {
      while (sameProcessAlive(record.pid, record.startTime)) {
        await Promise.race([Bun.sleep(this.timing.adoptedPollMs), this.released]);
        if (this.detaching) break;
      }
      return { code: null, signal: null };
    })();
    if (log) this.log.info("adopted the Envoy an earlier edgegate started", { pid: record.pid, epoch: record.restartEpoch, started_at: record.startedAt });
    return { record, exited, adopted: true };
  }

  /** The hot-restart parent exits by itself after its drain; make sure it does. */
  private watchRetiring(parent: Tracked): void {
    const limitMs = (Math.round(this.opts.envoy.drainSeconds) + PARENT_SHUTDOWN_MARGIN_S) * 1000 + this.timing.killGraceMs;
    void (async () => {
      const gone = await Promise.race([parent.exited.then(() => true), Bun.sleep(limitMs).then(() => false)]);
      if (this.retiring !== parent) return;
      if (!gone && !this.detaching) {
        this.log.warn("the hot-restart parent outlived its shutdown time; stopping it", { pid: parent.record.pid });
        await this.terminate(parent);
      }
      if (this.retiring === parent) this.retiring = null;
      if (parent.record.bootstrapPath !== this.tracked?.record.bootstrapPath) rmSync(parent.record.bootstrapPath, { force: true });
    })();
  }

  /** The bootstrap file for this content: written once, never rewritten under a running Envoy. */
  private bootstrapFile(): string {
    const hash = sha256(this.opts.bootstrap);
    const path = join(this.opts.runtimeDir, `envoy-bootstrap-${hash.slice(0, 16)}.json`);
    if (!existsSync(path) || sha256(readFileSync(path, "utf8")) !== hash) {
      const tmp = `${path}.tmp-${process.pid}`;
      writeFileSync(tmp, this.opts.bootstrap, { mode: 0o600 });
      renameSync(tmp, path);
    }
    return path;
  }

  /** The binary the launcher would start, or null (not found, or the launcher does not answer). */
  private async locate(): Promise<Located | null> {
    try {
      return await this.launcher.locate(this.opts.envoy.path);
    } catch (e) {
      this.log.error("cannot ask the Envoy launcher", { launcher: this.launcher.where, error: (e as Error).message });
      return null;
    }
  }

  private async spawn(hot: HotRestart): Promise<Tracked | undefined> {
    mkdirSync(this.opts.runtimeDir, { recursive: true, mode: 0o700 });
    const bootstrapPath = this.bootstrapFile();
    const args = envoyArgs(this.opts.envoy, bootstrapPath, hot);
    let l: Launched;
    try {
      l = await this.launcher.launch({ envoyPath: this.opts.envoy.path, args, stdout: this.logFiles.stdout, stderr: this.logFiles.stderr });
    } catch (e) {
      this.log.error("envoy could not be started", { path: this.opts.envoy.path, launcher: this.launcher.where, error: String(e) });
      return undefined;
    }
    const record: EnvoyRecord = {
      pid: l.pid,
      startTime: l.startTime,
      binary: l.binary,
      binaryId: l.binaryId,
      bootstrapPath,
      bootstrapSha256: sha256(this.opts.bootstrap),
      restartEpoch: hot.epoch,
      baseIdPath: hot.baseIdPath,
      adminAddress: formatAddress(this.admin),
      startedAt: now(),
      startedBy: process.pid,
    };
    writeEnvoyRecord(this.pidFile, record);
    this.log.info("envoy started", { pid: l.pid, binary: l.binary, args, epoch: hot.epoch, launcher: this.launcher.where });
    const child = l.child;
    if (!child) return { ...this.adopt(record, false), adopted: false };
    const exited = child.exited.then(() => ({
      code: child.signalCode === null ? child.exitCode : null,
      signal: child.signalCode === null ? null : String(child.signalCode),
    }));
    return { record, child, exited, adopted: false };
  }

  /** One Envoy process from start (or adoption) to exit. */
  private async supervise(t: Tracked): Promise<EnvoyExit> {
    const started = Date.now();
    this.tracked = t;
    this.update({
      phase: "starting",
      message: t.adopted ? "adopted; checking its admin API" : "waiting for the admin API",
      binary: t.record.binary,
      pid: t.record.pid,
      startedAt: t.record.startedAt,
      readySince: undefined,
      adopted: t.adopted ? true : undefined,
      restartEpoch: t.record.restartEpoch,
    });
    const envoyLog = this.opts.logger.with({ component: "envoy", pid: t.record.pid });
    // The last lines of a run are kept for /status: after a crash they usually say why.
    const lastLines: string[] = [];
    const tails = (["stdout", "stderr"] as const).map(
      (stream) =>
        new LogTail(this.logFiles[stream], (line) => {
          const r = parseEnvoyLogLine(line, stream);
          // Access records (one per request) would push out the lines that say why Envoy stopped.
          if (r.fields.envoy_logger !== "access_log") lastLines.push(line.length > 300 ? `${line.slice(0, 300)}...` : line);
          if (lastLines.length > 5) lastLines.shift();
          envoyLog[r.level](r.msg, r.fields);
        }),
    );
    for (const tail of tails) tail.start();
    const poller = this.pollReady(t);
    const ended = await Promise.race([t.exited.then(() => true), this.released.then(() => false)]);
    for (const tail of tails) tail.stop();
    await poller;
    if (!ended) return { code: null, signal: null, at: now(), ranForMs: Date.now() - started };
    const { code, signal } = await t.exited;
    // Our record points at a dead process now; a later start must not trust it.
    if (readEnvoyRecord(this.pidFile).record?.pid === t.record.pid) removeFile(this.pidFile);
    this.tracked = null;
    return { code, signal, at: now(), ranForMs: Date.now() - started, ...(lastLines.length > 0 ? { lastLines } : {}) };
  }

  /** Read through a method so TypeScript does not narrow it across awaits. */
  private draining(): boolean {
    return this.current.phase === "draining" || this.stopping;
  }

  private alive(t: Tracked): boolean {
    return t.child ? t.child.exitCode === null && t.child.signalCode === null : sameProcessAlive(t.record.pid, t.record.startTime);
  }

  private async pollReady(t: Tracked): Promise<void> {
    let answered = false;
    // A hot-restarted child: the admin address answers for it only once /server_info says so.
    let ownAdmin = t.record.restartEpoch === 0;
    const gone = t.exited.then(() => undefined);
    while (this.alive(t) && !this.detaching) {
      if (!ownAdmin && !this.draining()) {
        ownAdmin = (await getRestartEpoch(this.admin, this.timing.adminTimeoutMs)) === t.record.restartEpoch;
        if (!ownAdmin)
          this.update({
            phase: "starting",
            message: `hot restart: waiting for epoch ${t.record.restartEpoch} to take the admin API over`,
            readySince: undefined,
          });
      }
      if (ownAdmin && !this.draining()) {
        const r = await getReady(this.admin, this.timing.adminTimeoutMs);
        if (!this.alive(t) || this.draining()) break;
        const wasUp = answered || this.current.phase === "ready";
        if (r) answered = true;
        if (r && r.status === 200 && r.body === "LIVE") {
          if (this.current.phase !== "ready") {
            this.log.info("envoy is ready", { pid: t.record.pid });
            this.update({ phase: "ready", message: t.adopted ? "adopted; admin /ready answered LIVE" : "admin /ready answered LIVE", readySince: now() });
          }
        } else if (r) {
          this.update({ phase: "running", message: `admin /ready answered ${r.status} ${r.body}`.trim(), readySince: undefined });
        } else {
          // Not answering: still starting if it never answered; otherwise up but unresponsive.
          this.update(
            wasUp
              ? { phase: "running", message: "admin API not answering", readySince: undefined }
              : { phase: "starting", message: "waiting for the admin API", readySince: undefined },
          );
        }
      }
      await Promise.race([Bun.sleep(this.timing.readyPollMs), gone, this.released]);
    }
  }

  private signal(t: Tracked, sig: NodeJS.Signals): void {
    if (t.child) t.child.kill(sig);
    else signalIfSame(t.record.pid, t.record.startTime, sig);
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  private async terminate(t: Tracked): Promise<void> {
    if (!this.alive(t)) return;
    this.signal(t, "SIGTERM");
    const exitedInTime = await Promise.race([t.exited.then(() => true), Bun.sleep(this.timing.killGraceMs).then(() => false)]);
    if (!exitedInTime) {
      this.log.warn("envoy ignored SIGTERM; sending SIGKILL", { pid: t.record.pid, grace_ms: this.timing.killGraceMs });
      this.signal(t, "SIGKILL");
      await t.exited;
    }
  }

  private async shutdown(drain: boolean): Promise<void> {
    this.stopping = true;
    this.wake?.();
    // The loop may be checking a pid record (adoption): what it finds is ours to stop too.
    const found = this.pending ? await this.pending.catch(() => undefined) : undefined;
    const t = this.tracked ?? found ?? null;
    if (t && this.alive(t)) {
      this.update({ phase: "draining", message: drain ? "draining listeners" : "stopping without drain", readySince: undefined });
      if (drain && this.opts.envoy.drainSeconds > 0) {
        const r = await drainListeners(this.admin, this.timing.adminTimeoutMs);
        if (r?.status === 200) this.log.info("envoy draining listeners", { seconds: this.opts.envoy.drainSeconds });
        else this.log.warn("envoy did not accept /drain_listeners; stopping it without a drain period", { status: r?.status ?? null });
        if (r?.status === 200 && !this.drainCut) {
          const cut = new Promise<void>((resolve) => (this.cutDrain = resolve));
          await Promise.race([Bun.sleep(this.opts.envoy.drainSeconds * 1000), t.exited, cut]);
          this.cutDrain = null;
        }
      }
      await this.terminate(t);
    }
    if (this.retiring) await this.terminate(this.retiring);
    this.release?.();
    await this.loop;
    removeFile(this.pidFile);
    const lastExit = this.current.lastExit;
    this.update({
      phase: "stopped",
      message: "stopped",
      pid: undefined,
      readySince: undefined,
      nextStartAt: undefined,
      adopted: undefined,
      ...(lastExit ? { lastExit } : {}),
    });
  }
}

function readBaseId(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
