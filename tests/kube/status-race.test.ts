// edgegate never changes or removes another controller's entry in a route's status.parents (a list
// the CRD declares atomic, so a write replaces it whole). Routes name edgegate's Gateway and another
// controller's; that controller writes its own entry (read, modify, PUT /status with the
// resourceVersion, as client-go controllers do) hundreds of times while edgegate rewrites every
// route's status (the backend Service removed and restored). A watch checks every version of every
// route: once the other entry exists it is in every later version, never older than it was. Then
// an idle window must see no status write at all (bench/kube/attached-routes.ts idles a minute).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { KubeApiError } from "../../src/kube/client.ts";
import { isObj, type Obj } from "../../src/yaml/value.ts";
import { ApiServer, apiServerAvailable } from "./apiserver.ts";
import * as f from "./fixtures.ts";
import { startPipeline, until, type Running } from "./pipeline.ts";
import { sum, tally, type WatchTally } from "./attached.ts";

const available = apiServerAvailable();
const routes = 200;
const rounds = 2;
const otherController = "example.com/other-controller";
const idleMs = 5000;

interface Entry {
  parentRef: { name: string };
  controllerName: string;
  conditions: Array<{ type: string; status: string; message: string }>;
}

function entries(o: Obj): Entry[] {
  const st = isObj(o.status) ? o.status : {};
  return Array.isArray(st.parents) ? (st.parents as Entry[]) : [];
}

/** The other controller's write number in its entry; 0 when absent. */
function otherSeq(o: Obj): number {
  const e = entries(o).find((x) => x.controllerName === otherController);
  return e ? Number(/write (\d+)/.exec(e.conditions[0]?.message ?? "")?.[1] ?? -1) : 0;
}

function route(name: string): Obj {
  const r = f.httpRoute(name);
  (r.spec as { parentRefs: Array<{ name: string }> }).parentRefs = [{ name: "web" }, { name: "theirs" }];
  return r;
}

describe.skipIf(!available)("another controller's status entries", () => {
  const api = new ApiServer();
  let p: Running;
  const written = new Map<string, number>();
  let otherWrites = 0;
  let otherConflicts = 0;
  /** Per route, the highest write number any version of it has shown. */
  const seen = new Map<string, number>();
  const violations: string[] = [];
  let watch: WatchTally;

  /** One write of the other controller: its own entry, everything else as read. */
  async function otherWrite(name: string, seq: number): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const cur = await api.get(route(name));
      const gen = Number((cur.metadata as Obj).generation ?? 1);
      const mine = {
        parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "theirs" },
        controllerName: otherController,
        conditions: [
          {
            type: "Accepted",
            status: "True",
            reason: "Accepted",
            message: `write ${seq}`,
            observedGeneration: gen,
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
          },
        ],
      };
      cur.status = { parents: [...entries(cur).filter((e) => e.controllerName !== otherController), mine] };
      try {
        await api.client.request("PUT", `${api.path(cur)}/status`, { body: cur });
        otherWrites++;
        written.set(name, seq);
        return;
      } catch (e) {
        if (!(e instanceof KubeApiError && e.status === 409)) throw e;
        otherConflicts++;
      }
    }
    throw new Error(`other controller: ${name} lost the race 50 times`);
  }

  beforeAll(async () => {
    await api.start();
    await api.applyCrds(["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"]);
    await api.create(f.node("node-a", {}));
    await api.create({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: "other" },
      spec: { controllerName: otherController },
    });
    const theirs = f.gateway("theirs");
    (theirs.spec as { gatewayClassName: string }).gatewayClassName = "other";
    for (const o of [f.gatewayClass(), f.gateway(), theirs, f.service(), f.endpointSlice()]) await api.create(o);
    p = await startPipeline(api);
    watch = await tally(api, "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", (type, o) => {
      if (type === "DELETED") return;
      const name = String((o.metadata as Obj).name);
      const had = seen.get(name) ?? 0;
      const now = otherSeq(o);
      if (had > 0 && now === 0) violations.push(`${name} rv ${String((o.metadata as Obj).resourceVersion)}: the other controller's entry is gone`);
      else if (now < had) violations.push(`${name}: the other controller's entry went back from write ${had} to ${now}`);
      seen.set(name, Math.max(had, now));
    });
  }, 60_000);

  afterAll(async () => {
    watch?.stop();
    await p?.stop();
    await api.stop();
  });

  test(`${routes} routes, ${routes * (rounds + 1)} writes by another controller racing edgegate's: none of its entries lost`, async () => {
    const names = Array.from({ length: routes }, (_, i) => `shared-${i}`);
    let next = 0;
    // Created, and at once claimed by the other controller, while edgegate writes its first status.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < names.length) {
          const n = names[next++]!;
          await api.create(route(n));
          await otherWrite(n, 1);
        }
      }),
    );
    // Rounds of writes by the other controller while edgegate rewrites every route's status twice
    // per flip (the Service removed: ResolvedRefs=False; restored: True).
    const writesBefore = p.kube.details().status.writes;
    let flipping = true;
    const flips = (async () => {
      let k = 0;
      while (flipping || k % 2 === 1) {
        if (k % 2 === 0) await api.remove(f.service());
        else await api.create(f.service());
        k++;
        await Bun.sleep(300);
      }
    })();
    for (let r = 2; r <= rounds + 1; r++) {
      let i = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (i < names.length) await otherWrite(names[i++]!, r);
        }),
      );
    }
    flipping = false;
    await flips;
    const resolved = (o: Obj): boolean =>
      entries(o).some((e) => e.controllerName === f.controllerName && e.conditions.some((c) => c.type === "ResolvedRefs" && c.status === "True"));
    await until(
      "edgegate's entries settled (ResolvedRefs=True everywhere)",
      async () => {
        const list = await api.client.request("GET", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes");
        return (list.items as Obj[]).every(resolved) && p.kube.details().status.pending === 0;
      },
      60_000,
    ).catch(async (e: unknown) => {
      // Say where it stuck: the writer's and the Lease's state, and one route not settled.
      const list = await api.client.request("GET", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes");
      const stuck = (list.items as Obj[]).filter((o) => !resolved(o));
      const d = p.kube.details();
      throw new Error(
        `${(e as Error).message}; writer ${JSON.stringify(d.status)}; lease ${JSON.stringify(d.lease)}; ${stuck.length} not settled, first: ${JSON.stringify(stuck[0]?.status)} rv ${String((stuck[0]?.metadata as Obj | undefined)?.resourceVersion)}`,
      );
    });
    const st = p.kube.details().status;
    console.error(
      `other controller: ${otherWrites} writes (${otherConflicts} 409s); edgegate: ${st.writes - writesBefore} writes during the race, ${st.conflicts} 409s re-read and rebuilt`,
    );
    expect(otherWrites).toBe(routes * (rounds + 1));
    expect(violations.slice(0, 5)).toEqual([]);
    // The race really happened: edgegate's copy was stale at least once.
    expect(st.conflicts).toBeGreaterThan(0);
    const list = await api.client.request("GET", "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes");
    for (const o of list.items as Obj[]) {
      const name = String((o.metadata as Obj).name);
      expect(`${name}: ${otherSeq(o)}`).toBe(`${name}: ${written.get(name)}`);
      const ours = entries(o).filter((e) => e.controllerName === f.controllerName);
      expect(ours.map((e) => e.parentRef.name)).toEqual(["web"]);
    }
  }, 120_000);

  test(`then ${idleMs / 1000} s idle: no status write`, async () => {
    await Bun.sleep(500);
    const writes = p.kube.details().status.writes;
    const gws = await tally(api, "/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways");
    watch.modified.clear();
    await Bun.sleep(idleMs);
    gws.stop();
    expect(p.kube.details().status.writes).toBe(writes);
    expect(sum(watch.modified)).toBe(0);
    expect(sum(gws.modified)).toBe(0);
  }, 20_000);
});
