// Writes computed status back to the API: server-side apply on each object's /status subresource
// with field manager "edgegate". Every node computes status; only the Lease holder writes it.
//   - a scan (at most every batchMs after a change) compares each object's desired status with its
//     live one (from the watch) and queues the objects that differ; writers drain the queue with a
//     few requests in flight, Gateway-side kinds first (a Gateway's attachedRoutes must not wait
//     behind a thousand route writes);
//   - each body is built from the live object just before it is sent and carries that object's
//     resourceVersion as a precondition: route parents and policy ancestors are lists shared with
//     other controllers, declared atomic by the CRDs, so a body built from an older copy would
//     silently remove an entry another controller wrote meanwhile. A 409 means someone wrote in
//     between: the object is read again and the body rebuilt, so another controller's entry is
//     never changed or removed;
//   - rate-limited: a token bucket (qps, burst) spaces the PATCHes so a cluster with many changed
//     statuses does not flood the API server after a restart, while a burst (a folder of routes
//     applied at once) is written without waiting;
//   - nothing is written when nothing changed: the desired status is compared with the live one
//     and with what this writer last wrote.
import type { Logger } from "../../log/logger.ts";
import type { ObjectStatus } from "../../object-status/types.ts";
import type { KubeObject } from "../../store/types.ts";
import { KubeApiError, type KubeClient } from "../client.ts";
import { Retry, sleep } from "../backoff.ts";
import { resourcePath, typeByKind } from "../api-resources.ts";
import { applyBody, statusKey, type ApplyBody, type StatusContext } from "./apply.ts";
import { sameStatus } from "./compare.ts";
import { isObj } from "../../yaml/value.ts";

export interface LiveObject {
  object: KubeObject;
  resourceVersion: string;
}

export interface StatusWriterOptions {
  client: KubeClient;
  log: Logger;
  controllerName: string;
  /** The live object for a store key ("Kind/ns/name"), as the watch last saw it. */
  live(key: string): LiveObject | undefined;
  fieldManager?: string;
  batchMs?: number;
  qps?: number;
  burst?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

export interface StatusWriterStats {
  leader: boolean;
  writes: number;
  /** Desired statuses found equal to the live ones at the last scan (no request made). */
  unchanged: number;
  /** 409 answers: someone else wrote the object between our read and our write (we re-read it). */
  conflicts: number;
  errors: number;
  pending: number;
  lastFlushAt?: string;
  lastError?: string;
}

interface Written {
  hash: string;
  /** resourceVersion before and after our write: either means the live copy is ours or older. */
  rvs: [string, string];
}

/** Kinds whose status others wait for (attachedRoutes, addresses): written before routes and policies. */
const first = new Set(["GatewayClass", "Gateway", "ListenerSet"]);

/**
 * Kinds whose body reads the StatusContext (apply.ts: addresses and Programmed). A new context
 * re-judges only these: with 10,000 routes, re-building every route's body because a node report
 * came in cost more than the compile that preceded it.
 */
const contextKinds = new Set(["Gateway", "Ingress"]);

/** How often one object is re-read and rebuilt after 409s before it goes back into the queue. */
const maxConflicts = 5;

function hashOf(body: ApplyBody): string {
  return JSON.stringify(body.status, (k, v: unknown) => (k === "lastTransitionTime" ? undefined : v));
}

export class StatusWriter {
  private desired = new Map<string, ObjectStatus>();
  private ctx: StatusContext = {};
  private readonly written = new Map<string, Written>();
  /** Our own write's answer, until the watch catches up with it (so the next write does not 409 on it). */
  private readonly answered = new Map<string, LiveObject & { before: string }>();
  /** Rejected bodies (422): not retried until what we want to write changes. */
  private readonly rejected = new Map<string, string>();
  /** What the last scan found for each key: same desired status and live version = nothing to do. */
  private readonly scanned = new Map<string, { s: ObjectStatus; rv: string; ctx: StatusContext }>();
  private readonly queues = [new Set<string>(), new Set<string>()];
  private readonly inFlight = new Set<string>();
  private leader = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private workers = 0;
  private paused: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly retry = new Retry({ initialMs: 500, maxMs: 30_000 });
  private tokens: number;
  private refillAt = Date.now();
  readonly stats: StatusWriterStats = { leader: false, writes: 0, unchanged: 0, conflicts: 0, errors: 0, pending: 0 };

  constructor(private readonly o: StatusWriterOptions) {
    this.tokens = this.burst;
  }

  // 200/s sustained after a burst of 1,000, with at most 16 requests in flight: enough to keep up
  // with a folder of routes being applied, while the API server's own priority and fairness
  // (and the in-flight limit) keep a status storm from crowding out other clients.
  private get qps(): number {
    return this.o.qps ?? 200;
  }
  private get burst(): number {
    return this.o.burst ?? 1000;
  }

  /** The newest computed status of every object (after each compile, on every node). */
  update(statuses: readonly ObjectStatus[], ctx: StatusContext = {}): void {
    // The map is updated in place (a new 13,000-entry map per compile is garbage the collector
    // pays for); it is only built again when keys went away, which the size then shows.
    for (const s of statuses) this.desired.set(statusKey(s), s);
    if (this.desired.size !== statuses.length) this.desired = new Map(statuses.map((s) => [statusKey(s), s]));
    this.ctx = ctx;
    this.schedule();
  }

  setLeader(leader: boolean): void {
    this.leader = leader;
    this.stats.leader = leader;
    // A new leader trusts nothing it did not see: compare everything with the live objects again.
    if (leader) {
      this.written.clear();
      this.answered.clear();
      this.scanned.clear();
    } else for (const q of this.queues) q.clear();
    this.schedule();
  }

  private schedule(delay = this.o.batchMs ?? 200): void {
    if (!this.leader || this.abort.signal.aborted || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.scan();
    }, delay);
  }

  /** Resolves once what is pending now has been written (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.timer || this.workers > 0 || (this.leader && this.queues.some((q) => q.size > 0))) await sleep(10, this.abort.signal);
  }

  /** The live copy to build on: our own write's answer while the watch has not shown it yet. */
  private current(key: string): LiveObject | undefined {
    const live = this.o.live(key);
    const mine = this.answered.get(key);
    if (!live) return undefined;
    // After a 409 we wrote on a fresh read, which may be versions ahead of the watch: a watch copy
    // between our read and our answer is older than our write, and judging "nothing to do" on it
    // would leave our older status in place for good (status-only changes bring no new scan).
    if (mine && (live.resourceVersion === mine.before || olderThan(live.resourceVersion, mine.resourceVersion))) return mine;
    this.answered.delete(key);
    return live;
  }

  /** undefined: nothing to write for this key now; else the body for this live copy. */
  private body(key: string, live: LiveObject, now: string): { body: ApplyBody; hash: string } | undefined {
    const s = this.desired.get(key);
    if (!s) return undefined;
    const body = applyBody(s, live.object, this.o.controllerName, now, this.ctx);
    if (!body) return undefined;
    if (sameStatus(body.status, live.object.status)) {
      this.rejected.delete(key);
      return undefined;
    }
    const hash = hashOf(body);
    const w = this.written.get(key);
    // We wrote exactly this and the watch has not shown it to us yet.
    if (w && w.hash === hash && w.rvs.includes(live.resourceVersion)) return undefined;
    if (this.rejected.get(key) === hash) return undefined;
    return { body, hash };
  }

  private scan(): void {
    if (!this.leader) return;
    const now = stamp();
    let unchanged = 0;
    for (const [key, s] of this.desired) {
      const live = this.current(key);
      if (!live) continue; // not seen (yet) or deleted: nothing to write to
      const seen = this.scanned.get(key);
      if (seen && seen.s === s && seen.rv === live.resourceVersion && (seen.ctx === this.ctx || !contextKinds.has(s.kind))) {
        if (!this.queued(key)) unchanged++;
        continue;
      }
      this.scanned.set(key, { s, rv: live.resourceVersion, ctx: this.ctx });
      if (this.body(key, live, now)) this.queues[first.has(s.kind) ? 0 : 1]!.add(key);
      else unchanged++;
    }
    for (const key of this.scanned.keys()) if (!this.desired.has(key)) this.scanned.delete(key);
    this.stats.unchanged = unchanged;
    this.stats.pending = this.queues[0]!.size + this.queues[1]!.size;
    this.stats.lastFlushAt = new Date().toISOString();
    const want = Math.min(this.o.concurrency ?? 16, this.stats.pending);
    while (this.workers < want) {
      this.workers++;
      void this.work().finally(() => this.workers--);
    }
  }

  private queued(key: string): boolean {
    return this.queues[0]!.has(key) || this.queues[1]!.has(key) || this.inFlight.has(key);
  }

  private next(): string | undefined {
    for (const q of this.queues) {
      for (const key of q) {
        // One request per object at a time: a second would only 409 on the first. It stays
        // queued and is looked at again once the first is done (its body may be newer).
        if (this.inFlight.has(key)) continue;
        q.delete(key);
        return key;
      }
    }
    return undefined;
  }

  private async work(): Promise<void> {
    for (;;) {
      if (!this.leader || this.abort.signal.aborted) return;
      if (this.paused) await this.paused;
      const key = this.next();
      if (key === undefined) return;
      this.inFlight.add(key);
      try {
        await this.take();
        if (!(await this.writeOne(key))) {
          // Not written and not settled (an error, a lost race): the next scan must look again
          // even if nothing it compares has changed, and the queue holds it meanwhile.
          this.scanned.delete(key);
          this.requeue(key);
        }
      } finally {
        this.inFlight.delete(key);
        this.stats.pending = this.queues[0]!.size + this.queues[1]!.size + this.inFlight.size;
      }
    }
  }

  /**
   * Writes one object's status, rebuilding the body from a fresh read after each 409. True when
   * settled: written, nothing to write, rejected for good or gone; false to try again later.
   */
  private async writeOne(key: string): Promise<boolean> {
    let live = this.current(key);
    if (!live) return true; // deleted: its watch event is on the way
    for (let attempt = 0; attempt <= maxConflicts; attempt++) {
      if (!this.leader || this.abort.signal.aborted) return true;
      if (!live) return true; // the read found no resourceVersion: nothing we can write on
      // What this body is built from: if either is replaced while the request is in flight, a scan
      // has judged the new one against a copy our write is about to overwrite.
      const s = this.desired.get(key);
      const ctx = this.ctx;
      const built = this.body(key, live, stamp());
      if (!built) return true;
      const { body, hash } = built;
      body.metadata.resourceVersion = live.resourceVersion;
      try {
        const answer = await this.apply(body);
        const rv = isObj(answer.metadata) && typeof answer.metadata.resourceVersion === "string" ? answer.metadata.resourceVersion : "";
        this.written.set(key, { hash, rvs: [live.resourceVersion, rv] });
        this.answered.set(key, { object: { ...live.object, status: answer.status } as KubeObject, resourceVersion: rv, before: live.resourceVersion });
        this.stats.writes++;
        this.retry.reset();
        // A newer desired status came meanwhile: look again, on our answer (usually nothing to send).
        return this.desired.get(key) === s && this.ctx === ctx;
      } catch (e) {
        const err = e instanceof KubeApiError ? e : new KubeApiError(0, "Error", (e as Error).message);
        if (this.abort.signal.aborted) return true;
        if (err.status === 409) {
          // Someone wrote the object since the copy we built on: read it, build again.
          this.stats.conflicts++;
          try {
            live = await this.read(key, body);
          } catch (e) {
            if ((e as KubeApiError).status === 404) return true;
            this.pause(this.retry.next());
            return false;
          }
          continue;
        }
        this.stats.errors++;
        this.stats.lastError = err.message;
        if (err.status === 404) return true; // deleted meanwhile: its watch event is on the way
        if (err.status === 422 || err.status === 400) {
          this.rejected.set(key, hash);
          this.o.log.warn("status rejected by the API server", { object: key, error: err.message });
          return true;
        }
        this.o.log.warn("status write failed; retrying", { object: key, error: err.message });
        this.pause(this.retry.next());
        return false;
      }
    }
    // Lost the race maxConflicts times in a row (a very busy object): try again after the others.
    return false;
  }

  private requeue(key: string): void {
    const s = this.desired.get(key);
    if (s) this.queues[first.has(s.kind) ? 0 : 1]!.add(key);
  }

  private pause(ms: number): void {
    this.paused ??= sleep(ms, this.abort.signal).then(() => {
      this.paused = undefined;
    });
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.refillAt) / 1000) * this.qps);
      this.refillAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(((1 - this.tokens) / this.qps) * 1000, this.abort.signal);
    }
  }

  private url(body: ApplyBody): string {
    const t = typeByKind(body.kind);
    if (!t) throw new KubeApiError(400, "UnknownKind", `no API resource for ${body.kind}`);
    const version = body.apiVersion.includes("/") ? body.apiVersion.slice(body.apiVersion.lastIndexOf("/") + 1) : body.apiVersion;
    return `${resourcePath(t, version, body.metadata.namespace, body.metadata.name)}/status`;
  }

  /** The object as the API server has it now. */
  private async read(key: string, body: ApplyBody): Promise<LiveObject | undefined> {
    const o = await this.o.client.request("GET", this.url(body), { signal: this.abort.signal });
    const meta = isObj(o.metadata) ? o.metadata : {};
    if (typeof meta.resourceVersion !== "string") return undefined;
    const object = { ...o, apiVersion: body.apiVersion, kind: body.kind } as KubeObject;
    this.answered.delete(key);
    return { object, resourceVersion: meta.resourceVersion };
  }

  /** One server-side apply with the resourceVersion precondition; the API server's answer. */
  private async apply(body: ApplyBody): Promise<Record<string, unknown>> {
    const q = new URLSearchParams({ fieldManager: this.o.fieldManager ?? "edgegate", force: "true" });
    return await this.o.client.request("PATCH", `${this.url(body)}?${q}`, {
      body,
      contentType: "application/apply-patch+yaml",
      signal: this.abort.signal,
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    while (this.workers > 0) await Bun.sleep(5);
  }
}

/**
 * Whether resourceVersion a is known to be older than b. They are etcd revisions, decimal integers,
 * on every API server we know of; anything else cannot be ordered and counts as not older.
 */
function olderThan(a: string, b: string): boolean {
  return /^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) < BigInt(b);
}

/** Condition timestamps: RFC 3339 in whole seconds, as metav1.Time serializes. */
function stamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}
