// A NACK stays local (issue 10 item 8). When an xDS client (Envoy or a proxyless gRPC client)
// rejects a configuration, it keeps its last accepted one for everything: one bad object would
// stall every other object's changes on that client. The guard finds the objects responsible and
// holds them back (their last accepted version stays in force, or a new object stays out), so the
// rest is republished at once and keeps flowing:
//   1. From the client's error detail: edgegate names every route "Kind/namespace/name/rule/...",
//      and clients quote the route's name (grpc-js: "virtual_hosts[..].routes[NAME]: ...").
//   2. Otherwise by bisection over the routes (HTTPRoute, GRPCRoute, TLSRoute, Ingress) that changed
//      since every client last ACKed: half of them is held back and the rest republished; the
//      client's answer says which half holds the culprit. One round trip per step, log2(changed
//      routes) steps, and one more to confirm the last candidate alone (a client that refuses
//      everything must not get an innocent route held back).
// A held object is released when it changes (or goes away): its next version gets its own chance.
// Held objects are reported as problems, and as a condition on a route's status (pipeline/compile.ts).
import type { Logger } from "../../log/logger.ts";
import type { StoredObject } from "../../store/types.ts";
import type { SnapshotCache } from "../cache/cache.ts";
import type { XdsEvent } from "../cache/stats.ts";

export interface HeldBack {
  key: string;
  /** Why, for /status: the client, the resource type and its own words (shortened). */
  reason: string;
}

interface Search {
  node: string;
  stream: number;
  typeUrl: string;
  detail: string;
  candidates: string[];
  /** The half held back in the current step. */
  trial: string[];
  /** Set once the trial was republished: the answer to wait for. */
  waiting: boolean;
  steps: number;
  /** The last candidate is being confirmed: held alone, the client must accept. */
  confirming: boolean;
  lastPush: number;
  quiet?: ReturnType<typeof setTimeout>;
}

const routeKey = /\b(?:HTTPRoute|GRPCRoute|TLSRoute|Ingress)\/[^/\s\][,"']+\/[^/\s\][,"']+/g;
const maxDetail = 200;
/** How long a client must stay current before a trial counts as accepted. */
const quietMs = 30;
const routeKinds = new Set(["HTTPRoute", "GRPCRoute", "TLSRoute", "Ingress"]);

/** An object list and, built on first use, its index by key: most compiles look nothing up (10,000 objects). */
class KeyedObjects {
  private map: Map<string, StoredObject> | undefined;
  constructor(readonly list: readonly StoredObject[]) {}
  get index(): ReadonlyMap<string, StoredObject> {
    this.map ??= new Map(this.list.map((o) => [o.key, o]));
    return this.map;
  }
}

export class NackGuard {
  /** Held until the object changes: key -> the rejected object (by identity) and why. */
  private readonly held = new Map<string, { object: object; reason: string }>();
  private lastGood = new KeyedObjects([]);
  /** The published set lastGood was taken from (one copy per publish, not per ACK). */
  private lastGoodFrom: readonly StoredObject[] | undefined;
  private published: readonly StoredObject[] = [];
  private current = new KeyedObjects([]);
  private search: Search | undefined;
  /**
   * Streams and types whose rejection no object explains (a client that refuses whatever it is
   * sent): no new search for them until they ACK again, so such a client cannot hold back every
   * change for every other client.
   */
  private readonly unexplained = new Set<string>();
  private scheduled = false;
  private readonly off: () => void;

  constructor(
    private readonly cache: SnapshotCache,
    /** Recompiles and republishes (the pipeline calls select() and onPublished() again). */
    private readonly republish: () => void,
    private readonly log: Logger,
  ) {
    this.off = cache.onEvent((ev) => this.onEvent(ev));
  }

  stop(): void {
    this.off();
  }

  /** The objects to compile: held ones replaced by their last accepted version, or left out. */
  select(objects: readonly StoredObject[]): readonly StoredObject[] {
    this.current = new KeyedObjects(objects);
    // An object that changed or went away since it was held gets its next version tried.
    for (const [key, h] of this.held) {
      const now = this.current.index.get(key);
      if (!now || now.object !== h.object) {
        this.held.delete(key);
        this.log.info("xds: held-back object changed; trying its new version", { object: key });
      }
    }
    const hold = new Set([...this.held.keys(), ...(this.search?.trial ?? [])]);
    if (hold.size === 0) return objects;
    const out: StoredObject[] = [];
    for (const o of objects) {
      if (!hold.has(o.key)) out.push(o);
      else {
        const good = this.lastGood.index.get(o.key);
        if (good) out.push(good);
      }
    }
    // An object that was accepted, then deleted while held, keeps its accepted version too.
    for (const key of hold) if (!this.current.index.has(key) && this.lastGood.index.has(key)) out.push(this.lastGood.index.get(key)!);
    return out;
  }

  /** Objects held back for good (not the temporary halves of a search), with the reason. */
  heldBack(): ReadonlyMap<string, string> {
    return new Map([...this.held].map(([k, h]) => [k, h.reason]));
  }

  /** What was just published (the output of select()); becomes the last good set once ACKed. */
  onPublished(selected: readonly StoredObject[]): void {
    this.published = selected;
    if (this.search && !this.search.waiting) {
      this.search.waiting = true;
      // Holding the trial half may have given the client exactly what it already accepted.
      this.checkAnswered();
    }
    this.noteAccepted();
  }

  private onEvent(ev: XdsEvent): void {
    if (ev.type === "push" && this.search && ev.stream === this.search.stream) this.search.lastPush = performance.now();
    if (ev.type === "ack") {
      this.unexplained.delete(`${ev.stream}|${ev.typeUrl}`);
      this.noteAccepted();
      if (this.search?.waiting && ev.stream === this.search.stream) this.checkAnswered();
    } else if (ev.type === "nack") {
      if (this.search) {
        if (this.search.waiting && ev.stream === this.search.stream) this.checkAnswered();
        return;
      }
      this.onNack(ev);
    }
  }

  private noteAccepted(): void {
    if (this.search || this.lastGoodFrom === this.published) return;
    if (!this.cache.ackState().current) return;
    this.lastGood = new KeyedObjects(this.published);
    this.lastGoodFrom = this.published;
  }

  private onNack(ev: Extract<XdsEvent, { type: "nack" }>): void {
    if (this.unexplained.has(`${ev.stream}|${ev.typeUrl}`)) return;
    const detail = ev.message.length > maxDetail ? `${ev.message.slice(0, maxDetail)}…` : ev.message;
    const type = ev.typeUrl.split(".").at(-1);
    const named = [...new Set(ev.message.match(routeKey) ?? [])].filter((k) => this.current.index.has(k) && !this.held.has(k));
    if (named.length > 0) {
      for (const key of named) this.hold(key, `xDS client ${ev.nodeId || "?"} rejected ${type}: ${detail}`);
      this.schedule();
      return;
    }
    // Only routes are bisected over (leaving out a Gateway or a Service "fixes" any rejection by
    // serving less): new ones are left out, changed ones go back to their accepted version.
    // New routes come first: leaving one out moves no traffic, while taking a changed route back
    // to its accepted version switches its clients back and forth during the search.
    const good = this.lastGood.index;
    const changed = [...this.current.index.values()].filter(
      (o) => routeKinds.has(o.object.kind) && good.get(o.key)?.object !== o.object && !this.held.has(o.key),
    );
    const candidates = [...changed.filter((o) => !good.has(o.key)), ...changed.filter((o) => good.has(o.key))].map((o) => o.key);
    if (candidates.length === 0) {
      this.log.warn("xds: a client rejected the configuration and no changed object is left to hold back", { node: ev.nodeId, type, error: detail });
      return;
    }
    this.search = {
      node: ev.nodeId,
      stream: ev.stream,
      typeUrl: ev.typeUrl,
      detail,
      candidates,
      trial: [],
      waiting: false,
      steps: 0,
      confirming: false,
      lastPush: 0,
    };
    this.log.warn("xds: a client rejected the configuration; looking for the objects responsible", {
      node: ev.nodeId,
      type,
      candidates: candidates.length,
      error: detail,
    });
    this.next();
  }

  private hold(key: string, reason: string): void {
    const o = this.current.index.get(key);
    if (!o) return;
    this.held.set(key, { object: o.object, reason });
    this.log.warn("xds: object held back after a rejection; its last accepted version stays in force", { object: key, reason });
  }

  /**
   * The client's answer to the current trial. Rejected: it NACKed what the trial finally gives it,
   * of any type (a route change shows up as a cluster it then subscribes to and refuses; on the
   * way there it may refuse a cluster that make-before-break still offers, which does not count).
   * Accepted: every type current, and still so after a quiet moment, since a client subscribes to
   * what an accepted route configuration needs only after ACKing it.
   */
  private checkAnswered(): void {
    const s = this.search!;
    const client = this.cache.clients().find((c) => c.stream === s.stream);
    if (!client) {
      this.log.warn("xds: the rejecting client went away during the search; stopping it", { node: s.node });
      this.search = undefined;
      this.schedule();
      return;
    }
    if (client.types.some((t) => t.rejecting && t.lastNack?.version === t.desiredVersion)) {
      this.step(false);
      return;
    }
    if (!client.current || s.quiet) return;
    const asked = performance.now();
    s.quiet = setTimeout(() => {
      s.quiet = undefined;
      if (this.search !== s) return;
      const now = this.cache.clients().find((c) => c.stream === s.stream);
      if (now?.current && s.lastPush < asked) this.step(true);
      else this.checkAnswered();
    }, quietMs);
  }

  private step(accepted: boolean): void {
    const s = this.search!;
    if (s.quiet) clearTimeout(s.quiet);
    s.quiet = undefined;
    s.steps++;
    this.log.debug("xds: bisection step", { node: s.node, trial: s.trial, accepted, confirming: s.confirming });
    if (s.confirming) {
      this.search = undefined;
      if (accepted)
        this.hold(
          s.candidates[0]!,
          `xDS client ${s.node || "?"} rejected ${s.typeUrl.split(".").at(-1)}: ${s.detail} (found by bisection in ${s.steps} steps)`,
        );
      else this.giveUp(s);
      this.schedule();
      return;
    }
    // Accepted with the trial held back: the culprit is in the trial. Rejected: in the rest.
    s.candidates = accepted ? s.trial : s.candidates.filter((k) => !s.trial.includes(k));
    this.next();
  }

  private giveUp(s: Search): void {
    this.unexplained.add(`${s.stream}|${s.typeUrl}`);
    this.log.warn("xds: no single changed object explains the rejection; nothing held back, the client keeps its last accepted configuration", {
      node: s.node,
      type: s.typeUrl.split(".").at(-1),
      steps: s.steps,
      error: s.detail,
    });
  }

  private next(): void {
    const s = this.search!;
    if (s.candidates.length === 0) {
      this.search = undefined;
      this.giveUp(s);
      this.schedule();
      return;
    }
    if (s.candidates.length === 1) {
      // Bisection narrows by rejections too, which a client refusing everything also gives:
      // the last candidate is confirmed by holding it alone.
      s.confirming = true;
      s.trial = [s.candidates[0]!];
      s.waiting = false;
      this.schedule();
      return;
    }
    s.trial = s.candidates.slice(0, Math.ceil(s.candidates.length / 2));
    s.waiting = false;
    this.schedule();
  }

  /** Republish outside the event that triggered it (events fire inside publish and requests). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.republish();
    }, 0);
  }
}
