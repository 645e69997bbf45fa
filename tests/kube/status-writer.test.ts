// The status writer converges on the newest desired status, whatever the order in which its
// writes, the watch and new compiles interleave (no API server: a fake that answers like one, with
// resourceVersion preconditions, and whose watch copy lags as much as the test says). Status-only
// changes do not recompile, so after the last compile nothing else would make the writer look again:
// a write built from an older desired status must never be where it stops.
import { describe, expect, test } from "bun:test";
import { KubeApiError, KubeClient, type RequestOptions } from "../../src/kube/client.ts";
import { StatusWriter } from "../../src/kube/status-writer/writer.ts";
import { silentLogger } from "../../src/log/logger.ts";
import type { ObjectStatus } from "../../src/object-status/types.ts";
import type { KubeObject } from "../../src/store/types.ts";
import { isObj, type Obj } from "../../src/yaml/value.ts";
import { controllerName } from "./fixtures.ts";

const other = "example.com/other-controller";
const key = "HTTPRoute/default/r";

/** One HTTPRoute on a fake API server; PATCHes can be held until the test lets them through. */
class FakeApi extends KubeClient {
  rv = 1;
  status: Obj = {};
  patches: Obj[] = [];
  /** The watch's copy: what the writer's live() returns; moved on only when the test says. */
  watched: { object: KubeObject; resourceVersion: string };
  hold: Promise<void> | undefined;
  arrived: (() => void) | undefined;

  constructor() {
    super({ server: "https://fake.invalid", insecure: false, describe: "a fake API server (no requests leave this process)" });
    this.watched = this.copy();
  }

  copy(): { object: KubeObject; resourceVersion: string } {
    const rv = String(this.rv);
    const object: KubeObject = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "r", namespace: "default", generation: 1, resourceVersion: rv },
      spec: {},
      status: structuredClone(this.status),
    };
    return { object, resourceVersion: rv };
  }

  /** Another controller's read-modify-write with the current version: the watch does not see it yet. */
  otherWrites(seq: number): void {
    const parents = Array.isArray(this.status.parents) ? (this.status.parents as Obj[]).filter((p) => p.controllerName !== other) : [];
    this.status = {
      parents: [
        ...parents,
        {
          parentRef: { name: "theirs" },
          controllerName: other,
          conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: `write ${seq}` }],
        },
      ],
    };
    this.rv++;
  }

  catchUp(): void {
    this.watched = this.copy();
  }

  override async request(method: string, _path: string, opts: RequestOptions = {}): Promise<Obj> {
    if (method === "GET") return this.copy().object;
    const body = opts.body as Obj;
    this.patches.push(body);
    this.arrived?.();
    if (this.hold) await this.hold;
    const meta = isObj(body.metadata) ? body.metadata : {};
    if (meta.resourceVersion !== String(this.rv))
      throw new KubeApiError(409, "Conflict", `the object has been modified (${String(meta.resourceVersion)} != ${this.rv})`);
    this.status = structuredClone(body.status as Obj);
    this.rv++;
    return this.copy().object;
  }

  ours(): string | undefined {
    const parents = Array.isArray(this.status.parents) ? (this.status.parents as Obj[]) : [];
    const e = parents.find((p) => p.controllerName === controllerName);
    const c = isObj(e) && Array.isArray(e.conditions) ? (e.conditions as Obj[]).find((x) => x.type === "ResolvedRefs") : undefined;
    return c ? String(c.status) : undefined;
  }

  theirs(): string | undefined {
    const parents = Array.isArray(this.status.parents) ? (this.status.parents as Obj[]) : [];
    const e = parents.find((p) => p.controllerName === other);
    return isObj(e) && Array.isArray(e.conditions) ? String((e.conditions[0] as Obj).message) : undefined;
  }
}

function desired(resolved: boolean): ObjectStatus[] {
  const conditions = [
    { type: "Accepted", status: "True" as const, reason: "Accepted", message: "Accepted", observedGeneration: 1 },
    resolved
      ? { type: "ResolvedRefs", status: "True" as const, reason: "ResolvedRefs", message: "Resolved", observedGeneration: 1 }
      : { type: "ResolvedRefs", status: "False" as const, reason: "BackendNotFound", message: "Service default/app not found", observedGeneration: 1 },
  ];
  return [{ kind: "HTTPRoute", namespace: "default", name: "r", status: { parents: [{ parentRef: { name: "web" }, controllerName, conditions }] } }];
}

function writerFor(api: FakeApi): StatusWriter {
  return new StatusWriter({ client: api, log: silentLogger, controllerName, live: (k) => (k === key ? api.watched : undefined), batchMs: 5 });
}

/** Until the next PATCH reaches the fake; it stays held until `release` is called. */
function holdNext(api: FakeApi): { arrived: Promise<void>; release: () => void } {
  let release = (): void => {};
  api.hold = new Promise<void>((r) => (release = r));
  const arrived = new Promise<void>((r) => (api.arrived = r));
  return {
    arrived,
    release: () => {
      api.hold = undefined;
      api.arrived = undefined;
      release();
    },
  };
}

async function settle(w: StatusWriter, api: FakeApi): Promise<void> {
  await Bun.sleep(30);
  await w.idle();
  api.catchUp();
  await Bun.sleep(30);
  await w.idle();
}

describe("status writer: the newest desired status wins", () => {
  test("a newer status computed while an older write is in flight is written after it", async () => {
    const api = new FakeApi();
    const w = writerFor(api);
    w.setLeader(true);
    w.update(desired(true));
    await settle(w, api);
    expect(api.ours()).toBe("True");

    // The Service goes: False is being written (held) when the Service is back and True computed.
    const h = holdNext(api);
    w.update(desired(false));
    await h.arrived;
    w.update(desired(true));
    await Bun.sleep(30); // the scan for True runs while False is in flight; the watch still shows True
    h.release();
    await settle(w, api);
    expect(api.ours()).toBe("True");
    expect(w.stats.pending).toBe(0);
    await w.stop();
  });

  test("after a 409, a watch copy older than the one re-read does not pass for the current one", async () => {
    const api = new FakeApi();
    const w = writerFor(api);
    w.setLeader(true);
    w.update(desired(true));
    await settle(w, api);
    expect(api.ours()).toBe("True");

    // The other controller writes twice; the watch has seen neither. The False write 409s, is
    // rebuilt on a fresh read (two versions ahead of the watch) and lands.
    api.otherWrites(1);
    const behind = api.copy(); // the watch will show this one first, after our write has landed
    api.otherWrites(2);
    w.update(desired(false));
    await Bun.sleep(30);
    await w.idle();
    expect(api.ours()).toBe("False");
    expect(w.stats.conflicts).toBe(1);
    // The watch moves on, but only to the version between the two: still older than our write.
    api.watched = behind;
    w.update(desired(true));
    await Bun.sleep(30);
    await w.idle();
    api.catchUp();
    await Bun.sleep(30);
    await w.idle();
    expect(api.ours()).toBe("True");
    expect(api.theirs()).toBe("write 2");
    await w.stop();
  });

  test("nothing changed: no write at all", async () => {
    const api = new FakeApi();
    const w = writerFor(api);
    w.setLeader(true);
    w.update(desired(true));
    await settle(w, api);
    const n = api.patches.length;
    expect(n).toBe(1);
    w.update(desired(true));
    w.update(desired(true));
    await settle(w, api);
    expect(api.patches.length).toBe(n);
    await w.stop();
  });
});

describe("status writer: a new status context", () => {
  // The context (selected nodes' addresses and data-plane reports) is read by Gateway and Ingress
  // bodies only. Before, every new context object made the scan rebuild every route's body:
  // at 10,000 routes that cost more than the compile before it, on every publish.
  test("re-judges only the kinds that read it: a route's body is not rebuilt", async () => {
    const api = new FakeApi();
    let reads = 0;
    const counted = (): { object: KubeObject; resourceVersion: string } => {
      const w = api.watched;
      const object = { ...w.object };
      Object.defineProperty(object, "status", {
        get: () => {
          reads++;
          return w.object.status;
        },
        enumerable: true,
      });
      return { object, resourceVersion: w.resourceVersion };
    };
    const w = new StatusWriter({ client: api, log: silentLogger, controllerName, live: (k) => (k === key ? counted() : undefined), batchMs: 5 });
    w.setLeader(true);
    const d = desired(true);
    w.update(d, {});
    await settle(w, api);
    expect(api.ours()).toBe("True");
    // Settled: the same desired status and an unchanged live copy are not looked at again...
    w.update(d, {});
    await settle(w, api);
    const before = reads;
    // ...and neither are they for a new context object: routes do not read it.
    w.update(d, { dataPlane: { selectedNodes: ["n1"], reports: new Map(), selector: "every node" } });
    await settle(w, api);
    expect(reads).toBe(before);
    // A changed desired status still is (the counter can move).
    w.update(desired(false), { dataPlane: { selectedNodes: ["n1"], reports: new Map(), selector: "every node" } });
    await settle(w, api);
    expect(reads).toBeGreaterThan(before);
    expect(api.ours()).toBe("False");
    await w.stop();
  });
});
