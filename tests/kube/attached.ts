// gateway-api-bench's "attached routes" scenario against the real API server, shared by
// tests/kube/attached-routes.test.ts (small, in CI) and bench/kube/attached-routes.ts (1,000 routes):
// N HTTPRoutes created on one Gateway; setup = from the last create's answer until the Gateway's
// attachedRoutes reads N and every route is Accepted by edgegate; teardown = from the last delete's
// answer until attachedRoutes reads 0. Status writes are counted the way an observer sees them:
// MODIFIED events of the Gateway and of the routes on a watch (creates and deletes are not writes).
import { KubeApiError } from "../../src/kube/client.ts";
import { isObj, type Obj } from "../../src/yaml/value.ts";
import type { ApiServer } from "./apiserver.ts";
import * as f from "./fixtures.ts";

export interface WatchTally {
  /** MODIFIED events per object name. */
  modified: Map<string, number>;
  /** Times the watch had to relist (410): counts may be short by what happened in between. */
  gaps: number;
  /** Called for every event with the object, after counting. */
  onEvent?: (type: string, o: Obj) => void;
  stop(): void;
}

/**
 * Counts MODIFIED events of one collection from now on. The API server closes a watch whose reader
 * falls behind (a busy test process): it is resumed from the last resourceVersion seen, and after
 * a 410 the collection is listed again (counted in `gaps`: MODIFIED counts may then be short).
 */
export async function tally(api: ApiServer, collection: string, onEvent?: (type: string, o: Obj) => void): Promise<WatchTally> {
  const listRv = async (): Promise<{ rv: string; items: Obj[] }> => {
    const list = await api.client.request("GET", collection);
    return { rv: String((list.metadata as Obj).resourceVersion), items: Array.isArray(list.items) ? list.items.filter(isObj) : [] };
  };
  let rv = (await listRv()).rv;
  const abort = new AbortController();
  const t: WatchTally = { modified: new Map(), gaps: 0, onEvent, stop: () => abort.abort() };
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  void (async () => {
    while (!abort.signal.aborted) {
      try {
        for await (const ev of api.client.watch(`${collection}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`, abort.signal, 600_000, opened)) {
          const meta = ev.object.metadata as Obj | undefined;
          if (ev.type === "ERROR") throw new KubeApiError(Number(ev.object.code ?? 0), String(ev.object.reason ?? ""), String(ev.object.message ?? ""));
          if (meta && typeof meta.resourceVersion === "string") rv = meta.resourceVersion;
          if (ev.type === "BOOKMARK") continue;
          const name = String(meta?.name);
          if (ev.type === "MODIFIED") t.modified.set(name, (t.modified.get(name) ?? 0) + 1);
          t.onEvent?.(ev.type, ev.object);
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        if (e instanceof KubeApiError && e.status === 410) {
          t.gaps++;
          const l = await listRv();
          rv = l.rv;
          for (const o of l.items) t.onEvent?.("MODIFIED", o);
        } else await Bun.sleep(50);
      }
    }
  })();
  await open;
  return t;
}

export function sum(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

export function attachedRoutes(gw: Obj): number | undefined {
  const st = isObj(gw.status) ? gw.status : {};
  const l = Array.isArray(st.listeners) ? st.listeners[0] : undefined;
  return isObj(l) && typeof l.attachedRoutes === "number" ? l.attachedRoutes : undefined;
}

/** Whether edgegate's parent entry says Accepted=True. */
export function acceptedByUs(route: Obj): boolean {
  const st = isObj(route.status) ? route.status : {};
  const parents = Array.isArray(st.parents) ? st.parents : [];
  return parents.some(
    (p) =>
      isObj(p) &&
      p.controllerName === f.controllerName &&
      Array.isArray(p.conditions) &&
      p.conditions.some((c) => isObj(c) && c.type === "Accepted" && c.status === "True"),
  );
}

export interface AttachedResult {
  routes: number;
  createS: number;
  setupMs: number;
  /** The two parts of setup: the Gateway's attachedRoutes, and the last route's Accepted. */
  setupParts: { attachedMs: number; acceptedMs: number };
  teardownMs: number;
  gatewayWrites: { setup: number; teardown: number };
  routeWrites: number;
  /** Relists of the observing watches (0 = every write was seen). */
  watchGaps: number;
}

async function inParallel(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

/** Runs the scenario once on the Gateway f.gateway() (edgegate must already be running). */
export async function runAttachedRoutes(api: ApiServer, n: number, opts: { prefix?: string; width?: number } = {}): Promise<AttachedResult> {
  const prefix = opts.prefix ?? "att";
  const width = opts.width ?? 16;
  let attached = -1;
  /** When the Gateway's status last changed its attachedRoutes to the value it has now. */
  let attachedAt = 0;
  const accepted = new Set<string>();
  let allAcceptedAt = 0;
  const gws = await tally(api, "/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways", (_type, o) => {
    if ((o.metadata as Obj).name !== "web") return;
    const now = attachedRoutes(o) ?? -1;
    if (now !== attached) attachedAt = performance.now();
    attached = now;
  });
  const routes = await tally(api, "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", (type, o) => {
    const name = String((o.metadata as Obj).name);
    if (!name.startsWith(prefix)) return;
    if (type !== "DELETED" && acceptedByUs(o)) {
      if (!accepted.has(name)) {
        accepted.add(name);
        if (accepted.size === n) allAcceptedAt = performance.now();
      }
    }
  });
  const wait = async (what: string, ok: () => boolean, timeoutMs = 120_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`attached routes: timed out waiting for ${what} (attachedRoutes ${attached}, accepted ${accepted.size}/${n})`);
      await Bun.sleep(2);
    }
  };
  try {
    const t0 = performance.now();
    let lastCreate = 0;
    await inParallel(n, width, async (i) => {
      await api.create(f.httpRoute(`${prefix}-${i}`, "default", { path: `/${prefix}/${i}` }));
      lastCreate = performance.now();
    });
    const createS = (lastCreate - t0) / 1000;
    await wait(`attachedRoutes ${n} and every route Accepted`, () => attached === n && accepted.size === n);
    const setupMs = Math.max(attachedAt, allAcceptedAt) - lastCreate;
    const setupAttachedAt = attachedAt;
    const setupGatewayWrites = sum(gws.modified);
    const routeWrites = sum(routes.modified);
    gws.modified.clear();
    let lastDelete = 0;
    await inParallel(n, width, async (i) => {
      try {
        await api.remove(f.httpRoute(`${prefix}-${i}`));
      } catch (e) {
        if (!(e instanceof KubeApiError && e.status === 404)) throw e;
      }
      lastDelete = performance.now();
    });
    await wait("attachedRoutes 0", () => attached === 0);
    const teardownMs = attachedAt - lastDelete;
    return {
      routes: n,
      createS: Number(createS.toFixed(2)),
      setupMs: Math.max(0, Math.round(setupMs)),
      setupParts: { attachedMs: Math.round(setupAttachedAt - lastCreate), acceptedMs: Math.round(allAcceptedAt - lastCreate) },
      teardownMs: Math.max(0, Math.round(teardownMs)),
      gatewayWrites: { setup: setupGatewayWrites, teardown: sum(gws.modified) },
      routeWrites,
      watchGaps: gws.gaps + routes.gaps,
    };
  } finally {
    gws.stop();
    routes.stop();
  }
}
