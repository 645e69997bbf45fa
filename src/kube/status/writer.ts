// Writes computed status back to the API: server-side apply on each object's /status subresource
// with field manager "edgegate". Every node computes status; only the Lease holder writes it.
//   - batched: update() only records the newest desired status; a flush runs at most every batchMs;
//   - rate-limited: a token bucket (qps, burst) spaces the PATCHes so a 10,000-route cluster does
//     not flood the API server after a restart;
//   - nothing is written when nothing changed: the desired status is compared with the live one
//     (from the watch) and with what this writer last wrote.
import type { Logger } from "../../log/logger.ts";
import type { ObjectStatus } from "../../status/types.ts";
import type { KubeObject } from "../../store/types.ts";
import { KubeApiError, type KubeClient } from "../client.ts";
import { Retry, sleep } from "../backoff.ts";
import { resourcePath, typeByKind } from "../resources.ts";
import { applyBody, statusKey, type AddressView, type ApplyBody } from "./apply.ts";
import { sameStatus } from "./compare.ts";
import { isObj } from "../../validate/fields.ts";

export interface StatusWriterOptions {
  client: KubeClient;
  log: Logger;
  controllerName: string;
  /** The live object for a store key ("Kind/ns/name"), as the watch last saw it. */
  live(key: string): { object: KubeObject; resourceVersion: string } | undefined;
  fieldManager?: string;
  batchMs?: number;
  qps?: number;
  burst?: number;
}

export interface StatusWriterStats {
  leader: boolean;
  writes: number;
  /** Desired statuses found equal to the live ones (no request made). */
  unchanged: number;
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

export class StatusWriter {
  private desired = new Map<string, ObjectStatus>();
  private addresses: AddressView | undefined;
  private readonly written = new Map<string, Written>();
  /** Rejected bodies (422): not retried until what we want to write changes. */
  private readonly rejected = new Map<string, string>();
  private leader = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private flushing: Promise<void> | undefined;
  private again = false;
  private readonly abort = new AbortController();
  private readonly retry = new Retry({ initialMs: 500, maxMs: 30_000 });
  private tokens: number;
  private refillAt = Date.now();
  readonly stats: StatusWriterStats = { leader: false, writes: 0, unchanged: 0, errors: 0, pending: 0 };

  constructor(private readonly o: StatusWriterOptions) {
    this.tokens = o.burst ?? 50;
  }

  /** The newest computed status of every object (after each compile, on every node). */
  update(statuses: readonly ObjectStatus[], addresses?: AddressView): void {
    this.desired = new Map(statuses.map((s) => [statusKey(s), s]));
    this.addresses = addresses;
    this.schedule();
  }

  setLeader(leader: boolean): void {
    this.leader = leader;
    this.stats.leader = leader;
    // A new leader trusts nothing it did not see: compare everything with the live objects again.
    if (leader) this.written.clear();
    this.schedule();
  }

  private schedule(delay = this.o.batchMs ?? 500): void {
    if (!this.leader || this.abort.signal.aborted) return;
    if (this.flushing) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    }, delay);
  }

  /** Resolves once what is pending now has been written (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.timer || this.flushing) await (this.flushing ?? sleep(10, this.abort.signal));
  }

  private async take(): Promise<void> {
    const qps = this.o.qps ?? 20;
    const burst = this.o.burst ?? 50;
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(burst, this.tokens + ((now - this.refillAt) / 1000) * qps);
      this.refillAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(((1 - this.tokens) / qps) * 1000, this.abort.signal);
    }
  }

  private async flush(): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const queue: Array<{ key: string; body: ApplyBody; hash: string; rv: string }> = [];
    for (const [key, s] of this.desired) {
      const live = this.o.live(key);
      if (!live) continue; // not seen (yet) or deleted: nothing to write to
      const body = applyBody(s, live.object, this.o.controllerName, now, this.addresses);
      if (!body) continue;
      if (sameStatus(body.status, live.object.status)) {
        this.written.set(key, { hash: "", rvs: [live.resourceVersion, live.resourceVersion] });
        this.rejected.delete(key);
        continue;
      }
      const hash = JSON.stringify(body.status, (k, v: unknown) => (k === "lastTransitionTime" ? undefined : v));
      const w = this.written.get(key);
      // We wrote exactly this and the watch has not shown it to us yet.
      if (w && w.hash === hash && w.rvs.includes(live.resourceVersion)) continue;
      if (this.rejected.get(key) === hash) continue;
      queue.push({ key, body, hash, rv: live.resourceVersion });
    }
    this.stats.pending = queue.length;
    this.stats.unchanged = this.desired.size - queue.length;
    let failed = false;
    for (const item of queue) {
      if (!this.leader || this.abort.signal.aborted) break;
      await this.take();
      try {
        const rv = await this.apply(item.body);
        this.written.set(item.key, { hash: item.hash, rvs: [item.rv, rv] });
        this.stats.writes++;
        this.retry.reset();
      } catch (e) {
        const err = e as KubeApiError;
        this.stats.errors++;
        this.stats.lastError = err.message;
        if (err.status === 404) continue; // deleted meanwhile: its watch event is on the way
        if (err.status === 422 || err.status === 400) {
          this.rejected.set(item.key, item.hash);
          this.o.log.warn("status rejected by the API server", { object: item.key, error: err.message });
          continue;
        }
        this.o.log.warn("status write failed; retrying", { object: item.key, error: err.message });
        failed = true;
        break;
      }
      this.stats.pending--;
    }
    this.stats.lastFlushAt = new Date().toISOString();
    if (failed) {
      this.again = false;
      const delay = this.retry.next();
      setTimeout(() => this.schedule(0), delay);
    }
  }

  /** One server-side apply; returns the object's new resourceVersion. */
  private async apply(body: ApplyBody): Promise<string> {
    const t = typeByKind(body.kind);
    if (!t) throw new KubeApiError(400, "UnknownKind", `no API resource for ${body.kind}`);
    const version = body.apiVersion.includes("/") ? body.apiVersion.slice(body.apiVersion.lastIndexOf("/") + 1) : body.apiVersion;
    const q = new URLSearchParams({ fieldManager: this.o.fieldManager ?? "edgegate", force: "true" });
    const res = await this.o.client.request("PATCH", `${resourcePath(t, version, body.metadata.namespace, body.metadata.name)}/status?${q}`, {
      body,
      contentType: "application/apply-patch+yaml",
      signal: this.abort.signal,
    });
    return isObj(res.metadata) && typeof res.metadata.resourceVersion === "string" ? res.metadata.resourceVersion : "";
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.flushing;
  }
}
