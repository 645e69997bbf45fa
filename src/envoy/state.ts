// The supervisor's view of Envoy as plain data: what /status shows, what /healthz and the metrics
// read, and what other parts (the datapath re-registering Envoy's listener sockets) react to.

export type EnvoyPhase =
  /** No binary at envoy.path; `message` says how to install one. */
  | "not-found"
  /** Spawned; the admin API has not answered yet. */
  | "starting"
  /** The admin API answers but /ready is not 200 LIVE (e.g. waiting for its first xDS config). */
  | "running"
  /** /ready answered 200 LIVE. */
  | "ready"
  /** Exited unexpectedly; waiting before the next start. */
  | "backoff"
  /** Shutting down: listeners draining, then SIGTERM, then SIGKILL. */
  | "draining"
  /** Not running and not going to be restarted (before start() or after stop()). */
  | "stopped";

export interface EnvoyExit {
  /** Exit status, or null when a signal ended it. */
  code: number | null;
  signal: string | null;
  /** ISO 8601 time of the exit. */
  at: string;
  /** How long that run lasted. */
  ranForMs: number;
  /** Envoy's last output lines of that run (stderr and stdout), the likely reason it ended. */
  lastLines?: string[];
}

export interface EnvoyState {
  phase: EnvoyPhase;
  /** One sentence for people: why Envoy is in this phase. */
  message: string;
  /** The resolved binary; absent when not found. */
  binary?: string;
  pid?: number;
  /** Restarts after unexpected exits since edgegate started (the first start is not one). */
  restarts: number;
  startedAt?: string;
  readySince?: string;
  lastExit?: EnvoyExit;
  /** In backoff: when the next start is due. */
  nextStartAt?: string;
  /**
   * True when this Envoy was started by an earlier edgegate and adopted (it kept serving while
   * edgegate was down); its exit code is then unknown, only that it exited.
   */
  adopted?: boolean;
  /** Envoy's hot-restart epoch of the current process (0 for a fresh start). */
  restartEpoch?: number;
  /** Where the running Envoy is recorded (pid, start time, bootstrap): what `edgegate stop` reads. */
  pidFile?: string;
  /** The last hot restart: which process handed over to which, and why. */
  lastHotRestart?: { at: string; fromPid: number; toPid: number; reason: string };
}
