// Runs Envoy as a child process: start, watch readiness, restart with backoff when it dies, drain
// and stop it on shutdown. Never throws for a missing Envoy: the rest of the appliance keeps running
// and the state says why Envoy is not there.
import { mkdirSync, writeFileSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import type { Subprocess } from "bun";
import type { ApplianceConfig } from "../config/types.ts";
import type { Logger } from "../log/logger.ts";
import { parseAdminAddress, type AdminAddress } from "./admin-address.ts";
import { drainListeners, getReady } from "./admin-client.ts";
import { Backoff, defaultBackoff, type BackoffPolicy } from "./backoff.ts";
import { envoyInstallHint, findExecutable } from "./binary.ts";
import { envoyArgs, withParentDeathSignal } from "./command.ts";
import { forEachLine, parseEnvoyLogLine } from "./log-lines.ts";
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
  backoff: BackoffPolicy;
}

export const defaultTiming: SupervisorTiming = {
  readyPollMs: 1000,
  adminTimeoutMs: 1000,
  killGraceMs: 5000,
  notFoundRecheckMs: 30_000,
  backoff: defaultBackoff,
};

export interface SupervisorOptions {
  envoy: ApplianceConfig["envoy"];
  /** The bootstrap JSON (renderBootstrap(config)) and where to write it before each start. */
  bootstrap: string;
  bootstrapPath: string;
  logger: Logger;
  /** Environment for the PATH lookup and the child; defaults to process.env. */
  env?: Record<string, string | undefined>;
  timing?: Partial<SupervisorTiming>;
  /**
   * "pdeathsig" (default): start Envoy through setpriv so it dies with edgegate. "none": start it
   * directly (only for tests that prove the guard matters).
   */
  orphanGuard?: "pdeathsig" | "none";
}

export interface StopOptions {
  /** false skips the drain period (e.g. a second SIGTERM from an impatient operator). */
  drain?: boolean;
}

const now = () => new Date().toISOString();

export class EnvoySupervisor {
  private readonly timing: SupervisorTiming;
  private readonly admin: AdminAddress;
  private readonly log: Logger;
  private readonly env: Record<string, string | undefined>;
  private readonly listeners = new Set<(s: EnvoyState) => void>();
  private current: EnvoyState;
  private child: Subprocess<"ignore", "pipe", "pipe"> | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private stopped: Promise<void> | null = null;
  /** Resolves a pending sleep early (stop() during backoff or not-found). */
  private wake: (() => void) | null = null;
  private readonly setpriv: string | null;

  constructor(private readonly opts: SupervisorOptions) {
    this.timing = { ...defaultTiming, ...opts.timing, backoff: { ...defaultTiming.backoff, ...opts.timing?.backoff } };
    this.admin = parseAdminAddress(opts.envoy.adminAddress);
    this.log = opts.logger.with({ component: "envoy-supervisor" });
    this.env = opts.env ?? process.env;
    this.setpriv = opts.orphanGuard === "none" ? null : findExecutable("setpriv", this.env.PATH) ?? findExecutable("/usr/bin/setpriv", undefined);
    this.current = { phase: "stopped", message: "not started", restarts: 0, orphanGuard: this.setpriv !== null };
  }

  state(): EnvoyState {
    return { ...this.current, ...(this.current.lastExit ? { lastExit: { ...this.current.lastExit } } : {}) };
  }

  /** Called on every state change; returns an unsubscribe function. */
  onChange(fn: (s: EnvoyState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Starts supervising; returns at once. Calling it twice is harmless. */
  start(): void {
    if (this.loop || this.stopping) return;
    if (!this.setpriv && this.opts.orphanGuard !== "none") {
      this.log.warn("setpriv (util-linux) not found: Envoy would outlive edgegate if edgegate were killed with SIGKILL");
    }
    // A normal exit of edgegate that skipped stop() (an uncaught error) must not leave Envoy behind.
    process.once("exit", this.killOnExit);
    this.loop = this.run().catch((err: unknown) => {
      this.log.error("envoy supervisor failed", { error: String(err) });
      this.update({ phase: "stopped", message: `supervisor failed: ${String(err)}` });
    });
  }

  /**
   * Drains and stops Envoy (drain_listeners, drainSeconds, SIGTERM, SIGKILL). Idempotent; a later
   * call with drain: false cuts a drain in progress short.
   */
  stop(opts: StopOptions = {}): Promise<void> {
    if (opts.drain === false) {
      this.drainCut = true;
      this.cutDrain?.();
    }
    this.stopped ??= this.shutdown(opts.drain ?? true);
    return this.stopped;
  }

  /** Ends the drain wait early (set while shutdown() waits for drainSeconds). */
  private cutDrain: (() => void) | null = null;
  /** Set by stop({drain:false}); read before waiting, in case it came while /drain_listeners was in flight. */
  private drainCut = false;

  private readonly killOnExit = (): void => {
    this.child?.kill("SIGKILL");
  };

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
      const binary = findExecutable(this.opts.envoy.path, this.env.PATH);
      if (!binary) {
        if (this.current.phase !== "not-found") this.log.error(envoyInstallHint(this.opts.envoy.path));
        this.update({ phase: "not-found", message: envoyInstallHint(this.opts.envoy.path), binary: undefined, pid: undefined });
        await this.sleep(this.timing.notFoundRecheckMs);
        continue;
      }
      const exit = await this.runOnce(binary);
      this.update({ lastExit: exit });
      if (this.stopping) break;
      const delay = backoff.next(exit.ranForMs);
      const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
      this.log.error("envoy exited; restarting after backoff", { code: exit.code, signal: exit.signal, ran_for_ms: exit.ranForMs, backoff_ms: delay });
      this.update({
        phase: "backoff",
        message: `envoy exited (${how}) after ${exit.ranForMs} ms; restarting in ${delay} ms`,
        pid: undefined,
        readySince: undefined,
        lastExit: exit,
        nextStartAt: new Date(Date.now() + delay).toISOString(),
      });
      await this.sleep(delay);
      if (!this.stopping) this.update({ restarts: this.current.restarts + 1, nextStartAt: undefined });
    }
  }

  /** One Envoy process from spawn to exit. */
  private async runOnce(binary: string): Promise<EnvoyExit> {
    const started = Date.now();
    mkdirSync(dirname(this.opts.bootstrapPath), { recursive: true });
    // Written atomically on every start so a restarted Envoy always reads a complete file.
    const tmp = `${this.opts.bootstrapPath}.tmp-${process.pid}`;
    writeFileSync(tmp, this.opts.bootstrap, { mode: 0o600 });
    renameSync(tmp, this.opts.bootstrapPath);

    const argv = [binary, ...envoyArgs(this.opts.envoy, this.opts.bootstrapPath)];
    const cmd = this.setpriv ? withParentDeathSignal(this.setpriv, argv) : argv;
    let child: Subprocess<"ignore", "pipe", "pipe">;
    try {
      child = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: this.env });
    } catch (err) {
      this.log.error("envoy could not be started", { binary, error: String(err) });
      return { code: null, signal: null, at: now(), ranForMs: 0 };
    }
    this.child = child;
    this.log.info("envoy started", { pid: child.pid, binary, args: cmd.slice(1) });
    this.update({ phase: "starting", message: "waiting for the admin API", binary, pid: child.pid, startedAt: now(), readySince: undefined });

    const envoyLog = this.opts.logger.with({ component: "envoy", pid: child.pid });
    // The last lines of a run are kept for /status: after a crash they usually say why.
    const lastLines: string[] = [];
    const forward = (stream: "stdout" | "stderr") => (line: string) => {
      lastLines.push(line.length > 300 ? `${line.slice(0, 300)}...` : line);
      if (lastLines.length > 5) lastLines.shift();
      const r = parseEnvoyLogLine(line, stream);
      envoyLog[r.level](r.msg, r.fields);
    };
    const pumps = [forEachLine(child.stdout, forward("stdout")), forEachLine(child.stderr, forward("stderr"))];
    const poller = this.pollReady(child);
    await child.exited;
    await Promise.allSettled([...pumps, poller]);
    this.child = null;
    const signal = child.signalCode === null ? null : String(child.signalCode);
    return { code: signal ? null : child.exitCode, signal, at: now(), ranForMs: Date.now() - started, ...(lastLines.length > 0 ? { lastLines } : {}) };
  }

  /** Read through a method so TypeScript does not narrow it across awaits. */
  private draining(): boolean {
    return this.current.phase === "draining" || this.stopping;
  }

  private async pollReady(child: Subprocess): Promise<void> {
    let answered = false;
    while (child.exitCode === null && child.signalCode === null) {
      if (!this.draining()) {
        const r = await getReady(this.admin, this.timing.adminTimeoutMs);
        if (child.exitCode !== null || child.signalCode !== null || this.draining()) break;
        const wasUp = answered || this.current.phase === "ready";
        if (r) answered = true;
        if (r && r.status === 200 && r.body === "LIVE") {
          if (this.current.phase !== "ready") {
            this.log.info("envoy is ready", { pid: child.pid });
            this.update({ phase: "ready", message: "admin /ready answered LIVE", readySince: now() });
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
      await Promise.race([Bun.sleep(this.timing.readyPollMs), child.exited]);
    }
  }

  private async shutdown(drain: boolean): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      this.update({ phase: "draining", message: drain ? "draining listeners" : "stopping without drain", readySince: undefined });
      if (drain && this.opts.envoy.drainSeconds > 0) {
        const r = await drainListeners(this.admin, this.timing.adminTimeoutMs);
        if (r?.status === 200) this.log.info("envoy draining listeners", { seconds: this.opts.envoy.drainSeconds });
        else this.log.warn("envoy did not accept /drain_listeners; stopping it without a drain period", { status: r?.status ?? null });
        if (r?.status === 200 && !this.drainCut) {
          const cut = new Promise<void>((resolve) => (this.cutDrain = resolve));
          await Promise.race([Bun.sleep(this.opts.envoy.drainSeconds * 1000), child.exited, cut]);
          this.cutDrain = null;
        }
      }
      child.kill("SIGTERM");
      const exitedInTime = await Promise.race([child.exited.then(() => true), Bun.sleep(this.timing.killGraceMs).then(() => false)]);
      if (!exitedInTime) {
        this.log.warn("envoy ignored SIGTERM; sending SIGKILL", { pid: child.pid, grace_ms: this.timing.killGraceMs });
        child.kill("SIGKILL");
        await child.exited;
      }
    }
    await this.loop;
    process.off("exit", this.killOnExit);
    const lastExit = this.current.lastExit;
    this.update({ phase: "stopped", message: "stopped", pid: undefined, readySince: undefined, nextStartAt: undefined, ...(lastExit ? { lastExit } : {}) });
  }
}
