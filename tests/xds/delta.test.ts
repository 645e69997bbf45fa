// The incremental protocol (DeltaAggregatedResources), over the real server's Unix socket, the path
// the local Envoy uses. The client is tests/doubles/xds-client.ts, a scripted wire-level client (not
// a real xDS client: grpc-js-xds and python3-grpcio speak state of the world only, and no Envoy can
// be installed here).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { TypeUrl } from "../../src/xds/resources.ts";
import { openDelta, type DeltaStream } from "../doubles/xds-client.ts";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import * as f from "./fixtures.ts";

let cp: ControlPlane;
const config = (ports: Record<string, number>) =>
  f.resources({
    listeners: [f.apiListener("echo", "echo-rc")],
    routes: [f.routeConfig("echo-rc", [f.route({ prefix: "", to: Object.keys(ports)[0]! })])],
    clusters: Object.keys(ports).map((c) => f.edsCluster(c)),
    endpoints: Object.entries(ports).map(([c, p]) => f.endpoints(c, [p])),
  });

beforeAll(async () => {
  cp = await startControlPlane();
  cp.cache.publish(config({ "c-a": 1001, "c-b": 1002 }));
});
afterAll(() => cp.close());

const names = (r: { resources: Array<{ name: string }> }) => r.resources.map((x) => x.name).sort();
const ack = (s: DeltaStream, r: { typeUrl: string; nonce: string }) => s.request({ typeUrl: r.typeUrl, responseNonce: r.nonce });

describe("delta ADS (scripted wire client over the Unix socket)", () => {
  test("the socket is 0600", () => {
    expect(statSync(cp.socket).mode & 0o777).toBe(0o600);
  });

  test("wildcard CDS and named EDS: initial state, then only changes, removals, unsubscribe", async () => {
    const s = openDelta({ unix: cp.socket });
    try {
      s.request({ node: { id: "delta-1" }, typeUrl: TypeUrl.cluster });
      const cds = await s.at(0);
      expect(names(cds)).toEqual(["c-a", "c-b"]);
      ack(s, cds);
      s.request({ typeUrl: TypeUrl.endpoint, resourceNamesSubscribe: ["c-a", "c-b"] });
      const eds = await s.at(1);
      expect(names(eds)).toEqual(["c-a", "c-b"]);
      ack(s, eds);
      await cp.waitEvent((e) => e.type === "ack" && e.nodeId === "delta-1" && e.typeUrl === TypeUrl.endpoint);
      expect(cp.cache.ackState("delta-1").current).toBe(true);

      // One endpoint changes: only that ClusterLoadAssignment goes out, nothing for CDS.
      cp.cache.publish(config({ "c-a": 1001, "c-b": 2002 }));
      const upd = await s.at(2);
      expect(upd.typeUrl).toBe(TypeUrl.endpoint);
      expect(names(upd)).toEqual(["c-b"]);
      expect(upd.removedResources).toEqual([]);
      ack(s, upd);
      expect(await s.quietFor(150)).toBe(true);

      // c-b disappears: CDS removal first, then the EDS removal (a cluster never lacks endpoints).
      cp.cache.publish(config({ "c-a": 1001 }));
      const r1 = await s.at(3);
      const r2 = await s.at(4);
      expect([r1.typeUrl, r1.removedResources]).toEqual([TypeUrl.cluster, ["c-b"]]);
      expect([r2.typeUrl, r2.removedResources]).toEqual([TypeUrl.endpoint, ["c-b"]]);
      ack(s, r1);
      ack(s, r2);

      // Unsubscribing sends nothing; a later change to the unsubscribed resource sends nothing either.
      s.request({ typeUrl: TypeUrl.endpoint, resourceNamesUnsubscribe: ["c-a"] });
      expect(await s.quietFor(150)).toBe(true);
      cp.cache.publish(config({ "c-a": 3001 }));
      expect(await s.quietFor(150)).toBe(true);
      await cp.waitEvent((e) => e.type === "ack" && e.nodeId === "delta-1" && e.typeUrl === TypeUrl.endpoint && e.nonce === r2.nonce);
      expect(cp.cache.ackState("delta-1").current).toBe(true);
    } finally {
      s.close();
    }
  });

  test("reconnect with initial_resource_versions: only what differs, plus what was removed", async () => {
    cp.cache.publish(config({ "c-a": 1001, "c-b": 1002 }));
    const first = openDelta({ unix: cp.socket });
    first.request({ node: { id: "delta-2" }, typeUrl: TypeUrl.cluster });
    const held = await first.at(0);
    first.close();
    // While disconnected: c-b changes (an added field), c-a stays, c-old never existed anymore.
    const next = config({ "c-a": 1001, "c-b": 1002 });
    next.clusters[1]!.connectTimeout = create(DurationSchema, { seconds: 3n });
    cp.cache.publish(next);
    const versions = Object.fromEntries(held.resources.map((r) => [r.name, r.version]));
    const again = openDelta({ unix: cp.socket });
    try {
      again.request({ node: { id: "delta-2" }, typeUrl: TypeUrl.cluster, initialResourceVersions: { ...versions, "c-old": "0123" } });
      const r = await again.at(0);
      expect(names(r)).toEqual(["c-b"]);
      expect(r.removedResources).toEqual(["c-old"]);
    } finally {
      again.close();
    }
  });

  test("a NACK is recorded and the rejected resource is not resent until the next publish", async () => {
    cp.cache.publish(config({ "c-a": 1001 }));
    const s = openDelta({ unix: cp.socket });
    try {
      s.request({ node: { id: "delta-3" }, typeUrl: TypeUrl.cluster });
      ack(s, await s.at(0));
      const bad = config({ "c-a": 1001 });
      bad.clusters[0]!.connectTimeout = create(DurationSchema, { seconds: -1n });
      const from = cp.events.length;
      cp.cache.publish(bad);
      const pushed = await s.at(1);
      s.request({ typeUrl: TypeUrl.cluster, responseNonce: pushed.nonce, errorDetail: { code: 3, message: "c-a: connect_timeout must be positive" } });
      const nack = await cp.waitEvent((e) => e.type === "nack" && e.nodeId === "delta-3", 5000, from);
      expect(nack.type === "nack" && nack.message).toBe("c-a: connect_timeout must be positive");
      expect(await s.quietFor(200)).toBe(true);
      const line = cp.logs.find((l) => l.node === "delta-3" && String(l.msg).includes("NACK"));
      expect(line?.error).toBe("c-a: connect_timeout must be positive");
      expect(cp.cache.ackState("delta-3")).toEqual({ current: false, reason: expect.stringContaining("connect_timeout must be positive") });
      // The fix is published: it goes out and its ACK makes the client current again.
      cp.cache.publish(config({ "c-a": 1001 }));
      const fixed = await s.at(2);
      expect(names(fixed)).toEqual(["c-a"]);
      ack(s, fixed);
      await cp.waitEvent((e) => e.type === "ack" && e.nodeId === "delta-3" && e.nonce === fixed.nonce);
      expect(cp.cache.ackState("delta-3").current).toBe(true);
    } finally {
      s.close();
    }
  });
});
