// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it: every node
// serves traffic, but only the Lease holder writes status. Updates carry the resourceVersion read,
// so two candidates can never both win (the loser gets 409 Conflict).
//
// Expiry is judged on this process's own clock: a candidate notes when the lease record changed and
// takes over once it has not changed for leaseDuration. Comparing our clock with the holder's
// renewTime would make a skewed clock steal (or never take) the lease. A change is dated at the
// poll before the one that saw it (it happened in between), and the check runs every retry period,
// so the lease is taken one period early: the takeover then lands within leaseDuration of the
// holder's last renewal. That is safe because a holder stops writing at renewDeadline (2/3 of the
// duration) without a renewal, well before duration minus two periods (retry period = duration/15).
// A holder that cannot renew for renewDeadline (< leaseDuration) stops writing before anyone else
// may start. On stop, the holder releases the lease so the next one takes over at once (handover).
import type { Logger } from "../log/logger.ts";
import { isObj, type Obj } from "../yaml/value.ts";
import { KubeApiError, type KubeClient } from "./client.ts";
import { sleep } from "./backoff.ts";
import { leaseType, resourcePath } from "./api-resources.ts";

export interface LeaseOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log: Logger;
}

export interface LeaseState {
  leader: boolean;
  holder?: string;
  transitions: number;
  lastRenewAt?: string;
  message?: string;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class LeaderElector {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private leader = false;
  private lastRenew = 0;
  private observed = "";
  private observedAt = 0;
  private lastPollAt = 0;
  private listeners: Array<(leader: boolean) => void> = [];
  readonly state: LeaseState = { leader: false, transitions: 0 };
  private readonly duration: number;
  private readonly deadline: number;
  private readonly period: number;

  constructor(
    private readonly client: KubeClient,
    private readonly o: LeaseOptions,
  ) {
    this.duration = o.leaseDurationMs ?? 15_000;
    this.deadline = o.renewDeadlineMs ?? Math.round((this.duration * 2) / 3);
    this.period = o.retryPeriodMs ?? Math.max(100, Math.round(this.duration / 15));
  }

  onChange(fn: (leader: boolean) => void): void {
    this.listeners.push(fn);
  }

  isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private path(name?: string): string {
    return resourcePath(leaseType, "v1", this.o.namespace, name);
  }

  private setLeader(v: boolean, why: string): void {
    if (this.leader === v) return;
    this.leader = v;
    this.state.leader = v;
    this.o.log.info(v ? "status writer: became leader" : "status writer: stopped leading", {
      lease: `${this.o.namespace}/${this.o.name}`,
      identity: this.o.identity,
      reason: why,
    });
    for (const l of this.listeners) l(v);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await this.tryAcquireOrRenew(signal);
        this.state.message = undefined;
      } catch (e) {
        if (signal.aborted) break;
        this.state.message = (e as Error).message;
        if (!(e instanceof KubeApiError && e.status === 409)) this.o.log.debug("lease: attempt failed", { error: (e as Error).message });
      }
      // A leader that could not renew in time must stop writing before a follower may take over.
      if (this.leader && Date.now() - this.lastRenew > this.deadline) this.setLeader(false, "renew deadline passed");
      await sleep(this.period, signal);
    }
  }

  private spec(prev: Obj | undefined, now: Date, taking: boolean): Obj {
    const transitions = typeof prev?.leaseTransitions === "number" ? prev.leaseTransitions : 0;
    return {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.duration / 1000)),
      acquireTime: taking ? microTime(now) : (prev?.acquireTime ?? microTime(now)),
      renewTime: microTime(now),
      leaseTransitions: taking && prev?.holderIdentity ? transitions + 1 : transitions,
    };
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<void> {
    const now = new Date();
    let lease: Obj;
    try {
      lease = await this.client.request("GET", this.path(this.o.name), { signal, timeoutMs: this.period * 2 });
    } catch (e) {
      if (!(e instanceof KubeApiError && e.status === 404)) throw e;
      const body = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: this.o.name, namespace: this.o.namespace },
        spec: this.spec(undefined, now, true),
      };
      await this.client.request("POST", this.path(), { body, signal, timeoutMs: this.period * 2 });
      this.renewed(0);
      this.setLeader(true, "created the lease");
      return;
    }
    const spec = isObj(lease.spec) ? lease.spec : {};
    const holder = typeof spec.holderIdentity === "string" ? spec.holderIdentity : "";
    const record = `${holder}|${String(spec.renewTime)}|${String(spec.leaseDurationSeconds)}`;
    const polledAt = this.lastPollAt;
    this.lastPollAt = Date.now();
    if (record !== this.observed) {
      this.observed = record;
      this.observedAt = polledAt || this.lastPollAt;
    }
    this.state.holder = holder || undefined;
    this.state.transitions = typeof spec.leaseTransitions === "number" ? spec.leaseTransitions : 0;
    const mine = holder === this.o.identity;
    const heldFor = typeof spec.leaseDurationSeconds === "number" ? spec.leaseDurationSeconds * 1000 : this.duration;
    const expired = holder === "" || Date.now() - this.observedAt >= heldFor - this.period;
    if (!mine && !expired) {
      this.setLeader(false, `held by ${holder}`);
      return;
    }
    const body = { ...lease, spec: this.spec(spec, now, !mine) };
    const updated = await this.client.request("PUT", this.path(this.o.name), { body, signal, timeoutMs: this.period * 2 });
    const us = isObj(updated.spec) ? updated.spec : {};
    this.renewed(typeof us.leaseTransitions === "number" ? us.leaseTransitions : 0);
    this.setLeader(true, mine ? "renewed" : holder ? `took over from ${holder} (lease expired)` : "lease was free");
  }

  private renewed(transitions: number): void {
    this.lastRenew = Date.now();
    this.state.lastRenewAt = new Date(this.lastRenew).toISOString();
    this.state.holder = this.o.identity;
    this.state.transitions = transitions;
    this.observed = "";
  }

  /** Stops campaigning; a leader gives the lease up so another node takes over without waiting. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (!this.leader) return;
    this.setLeader(false, "shutting down");
    try {
      const lease = await this.client.request("GET", this.path(this.o.name), { timeoutMs: 2000 });
      const spec = isObj(lease.spec) ? lease.spec : {};
      if (spec.holderIdentity !== this.o.identity) return;
      await this.client.request("PUT", this.path(this.o.name), {
        body: { ...lease, spec: { ...spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(new Date()) } },
        timeoutMs: 2000,
      });
      this.o.log.info("status writer: lease released", { lease: `${this.o.namespace}/${this.o.name}` });
    } catch (e) {
      this.o.log.warn("status writer: could not release the lease; it expires on its own", { error: (e as Error).message });
    }
  }
}
