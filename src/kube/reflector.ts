// List+watch of one resource type, the way client-go's reflector does it:
//   list (paged) -> replace the whole set -> watch from the list's resourceVersion with bookmarks
//   -> on a broken stream, watch again from the last resourceVersion seen (event or bookmark)
//   -> on 410 Expired (the server no longer has that version), list again.
// The consumer's current objects are only replaced when a list completes, so an outage or a relist
// never empties the configuration in force. Errors are retried forever with jittered backoff. A
// type whose CRD is not installed (404) is "missing": reported, and retried slowly until it appears.
// An unreachable API server is everyone's problem, not one watch's: the shared ApiReachability
// logs it once and wakes every watch as soon as the server is back (reachability.ts).
import type { Logger } from "../log/logger.ts";
import { isObj, type Obj } from "../yaml/value.ts";
import { KubeApiError, type KubeClient } from "./client.ts";
import { Retry, sleep, type RetryPolicy } from "./backoff.ts";
import { apiVersionOf, resourcePath, type ResourceType } from "./api-resources.ts";
import type { ApiReachability } from "./reachability.ts";

export type ReflectorPhase = "starting" | "synced" | "missing" | "error" | "stopped";

export interface ReflectorState {
  kind: string;
  phase: ReflectorPhase;
  /** The API version in use (the first the server serves). */
  apiVersion?: string;
  message?: string;
  resourceVersion?: string;
  /** ISO 8601 of the last complete list. */
  lastListAt?: string;
  lists: number;
  /** Watches (re)started; each broken stream adds one. */
  watches: number;
  events: number;
  /** 410 Expired answers that forced a relist. */
  expired: number;
  errors: number;
}

export interface ReflectorHandlers {
  /** A complete list: these are all the objects now (each with apiVersion and kind set). */
  replace(items: Obj[]): void;
  /** One watch event for an object. */
  event(type: "ADDED" | "MODIFIED" | "DELETED", object: Obj): void;
  /** Phase changes, for /status and the synced gate. */
  state?(s: ReflectorState): void;
}

export interface ReflectorOptions {
  log: Logger;
  /** Only this namespace (RBAC may allow no more); default all. */
  namespace?: string;
  /** e.g. "metadata.name=node-1" for this node's own Node object. */
  fieldSelector?: string;
  labelSelector?: string;
  retry?: RetryPolicy;
  /** How often a missing CRD is looked for again. */
  missingRetryMs?: number;
  /** Server-side watch timeout (randomized up to 2x, like client-go, so watches do not all end together). */
  watchTimeoutSeconds?: number;
  /** List page size. */
  pageSize?: number;
  /** Shared by every reflector of one client: outages are logged once and end for all at once. */
  reachability?: ApiReachability;
}

/** A watch's own errors (not an outage) are logged at most this often; the rest are counted. */
const warnEveryMs = 60_000;

export class Reflector {
  private readonly abort = new AbortController();
  private readonly retry: Retry;
  private version: string | undefined;
  private loop: Promise<void> | undefined;
  private lastWarnAt = 0;
  private suppressed = 0;
  readonly status: ReflectorState;

  constructor(
    private readonly client: KubeClient,
    readonly type: ResourceType,
    private readonly handlers: ReflectorHandlers,
    private readonly opts: ReflectorOptions,
  ) {
    this.retry = new Retry(opts.retry);
    this.status = { kind: type.kind, phase: "starting", lists: 0, watches: 0, events: 0, expired: 0, errors: 0 };
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.set("stopped");
  }

  private set(phase: ReflectorPhase, message?: string): void {
    const changed = this.status.phase !== phase || this.status.message !== message;
    this.status.phase = phase;
    this.status.message = message;
    if (changed) this.handlers.state?.(this.status);
  }

  private query(extra: Record<string, string>): string {
    const q = new URLSearchParams(extra);
    if (this.opts.fieldSelector) q.set("fieldSelector", this.opts.fieldSelector);
    if (this.opts.labelSelector) q.set("labelSelector", this.opts.labelSelector);
    return q.toString();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const log = this.opts.log.with({ kind: this.type.kind });
    let rv: string | undefined;
    while (!signal.aborted) {
      try {
        if (rv === undefined) {
          const listed = await this.list(signal);
          if (listed === undefined) {
            // Not installed: say so once, then look again now and then.
            if (this.status.phase !== "missing")
              log.warn("resource type not served by the API server (CRD not installed?); skipped until it appears", {
                versions: this.type.versions.map((v) => apiVersionOf(this.type, v)),
              });
            this.set("missing", `${this.type.kind} is not served by the API server (CRD not installed?)`);
            await sleep(this.opts.missingRetryMs ?? 10_000, signal);
            continue;
          }
          if (signal.aborted) break;
          this.handlers.replace(listed.items);
          rv = listed.resourceVersion;
          this.status.resourceVersion = rv;
          this.status.lists++;
          this.status.lastListAt = new Date().toISOString();
          if (this.status.lists > 1) log.info("relisted", { objects: listed.items.length, resourceVersion: rv });
          this.opts.reachability?.succeeded();
          this.set("synced");
        }
        rv = await this.watch(rv, signal);
        this.retry.reset();
      } catch (e) {
        if (signal.aborted) break;
        const err = e instanceof KubeApiError ? e : new KubeApiError(0, "Error", (e as Error).message);
        if (err.status === 410 || err.reason === "Expired" || err.reason === "Gone") {
          // The version we hold is gone (compaction, API server restart): list again. The current
          // objects stay in force until that list has completed.
          this.status.expired++;
          log.info("resourceVersion expired; relisting", { resourceVersion: rv ?? "" });
          rv = undefined;
          continue;
        }
        if (err.status === 404 && this.type.optional) {
          rv = undefined; // the CRD was removed: the next list finds out and reports it
          continue;
        }
        this.status.errors++;
        const delay = this.retry.next();
        // The watch's phase says the objects are the last known ones, not current.
        this.set("error", err.message);
        const gate = this.opts.reachability;
        gate?.failed(err);
        if (gate?.down) log.debug("API unreachable; waiting for it", { error: err.message });
        else if (Date.now() - this.lastWarnAt >= warnEveryMs) {
          log.warn("API error; retrying", {
            error: err.message,
            retryInMs: Math.round(delay),
            attempt: this.retry.attempts,
            ...(this.suppressed ? { suppressed: this.suppressed } : {}),
          });
          this.lastWarnAt = Date.now();
          this.suppressed = 0;
        } else this.suppressed++;
        await (gate ? gate.wait(delay, signal) : sleep(delay, signal));
      }
    }
  }

  /** A complete paged list, or undefined when no version of the type is served (404). */
  private async list(signal: AbortSignal): Promise<{ items: Obj[]; resourceVersion: string } | undefined> {
    const versions = this.version ? [this.version, ...this.type.versions.filter((v) => v !== this.version)] : this.type.versions;
    for (const version of versions) {
      const items: Obj[] = [];
      let cont: string | undefined;
      let rv = "";
      try {
        do {
          const q: Record<string, string> = { limit: String(this.opts.pageSize ?? 500) };
          if (cont) q.continue = cont;
          const page = await this.client.request("GET", `${resourcePath(this.type, version, this.opts.namespace)}?${this.query(q)}`, {
            signal,
            timeoutMs: 60_000,
          });
          const meta = isObj(page.metadata) ? page.metadata : {};
          rv = typeof meta.resourceVersion === "string" ? meta.resourceVersion : "";
          cont = typeof meta.continue === "string" && meta.continue !== "" ? meta.continue : undefined;
          const apiVersion = apiVersionOf(this.type, version);
          // List items come without apiVersion and kind: put them back, the validator needs them.
          if (Array.isArray(page.items)) for (const it of page.items) if (isObj(it)) items.push({ ...it, apiVersion, kind: this.type.kind });
        } while (cont);
      } catch (e) {
        if (e instanceof KubeApiError && e.status === 404) continue;
        throw e;
      }
      this.version = version;
      this.status.apiVersion = apiVersionOf(this.type, version);
      return { items, resourceVersion: rv };
    }
    return undefined;
  }

  /** Watches from rv until the stream ends; returns the last resourceVersion seen. */
  private async watch(rv: string, signal: AbortSignal): Promise<string> {
    const base = this.opts.watchTimeoutSeconds ?? 300;
    const timeout = Math.round(base * (1 + Math.random()));
    const q = this.query({ watch: "1", resourceVersion: rv, allowWatchBookmarks: "true", timeoutSeconds: String(timeout) });
    this.status.watches++;
    // Bookmarks arrive about once a minute; silence well past the timeout means a dead connection.
    const idleMs = (timeout + 60) * 1000;
    // An open watch means we are current again (after an error), even before any event arrives.
    const opened = (): void => {
      this.retry.reset();
      this.opts.reachability?.succeeded();
      this.set("synced");
    };
    for await (const ev of this.client.watch(`${resourcePath(this.type, this.version!, this.opts.namespace)}?${q}`, signal, idleMs, opened)) {
      if (ev.type === "ERROR") {
        const code = typeof ev.object.code === "number" ? ev.object.code : 0;
        const reason = typeof ev.object.reason === "string" ? ev.object.reason : "Error";
        throw new KubeApiError(code, reason, `watch ${this.type.kind}: ${typeof ev.object.message === "string" ? ev.object.message : reason}`);
      }
      const meta = isObj(ev.object.metadata) ? ev.object.metadata : {};
      if (typeof meta.resourceVersion === "string") rv = meta.resourceVersion;
      this.status.resourceVersion = rv;
      if (ev.type === "BOOKMARK") continue;
      this.status.events++;
      this.handlers.event(ev.type, { ...ev.object, apiVersion: apiVersionOf(this.type, this.version!), kind: this.type.kind });
    }
    return rv;
  }
}
