// The snapshot cache's protocol logic, driven directly (no sockets): versions, what is (not) sent,
// push order, NACK handling. The same logic is exercised end to end by the real-client tests.
import { describe, expect, test } from "bun:test";
import { create } from "@bufbuild/protobuf";
import { DiscoveryRequestSchema, type DiscoveryResponse, type DiscoveryRequest } from "../../src/gen/envoy/service/discovery/v3/discovery_pb.ts";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { SnapshotCache } from "../../src/xds/cache/cache.ts";
import { SnapshotError } from "../../src/xds/cache/snapshot.ts";
import { TypeUrl } from "../../src/xds/resources.ts";
import * as f from "./fixtures.ts";

const config = (port = 1001, extra = 0) =>
  f.resources({
    listeners: [f.apiListener("echo", "echo-rc")],
    routes: [f.routeConfig("echo-rc", [f.route({ prefix: "", to: "c-a" })])],
    clusters: [f.edsCluster("c-a"), ...Array.from({ length: extra }, (_, i) => f.edsCluster(`x-${i}`))],
    endpoints: [f.endpoints("c-a", [port])],
  });

function sotw(cache: SnapshotCache) {
  const sent: DiscoveryResponse[] = [];
  const s = cache.openSotw({ address: "test" }, (r) => sent.push(r));
  const req = (init: MessageInitShape<typeof DiscoveryRequestSchema>) => s.onRequest(create(DiscoveryRequestSchema, init) as DiscoveryRequest);
  const last = (typeUrl: string) => sent.filter((r) => r.typeUrl === typeUrl).at(-1)!;
  const ack = (typeUrl: string, names: string[] = []) => {
    const r = last(typeUrl);
    req({ typeUrl, resourceNames: names, versionInfo: r.versionInfo, responseNonce: r.nonce });
  };
  /** Subscribe the way grpc-js-xds does: LDS by name, RDS, CDS and EDS by name, each ACKed. */
  const handshake = () => {
    req({ node: { id: "n1" }, typeUrl: TypeUrl.listener, resourceNames: ["echo"] });
    ack(TypeUrl.listener, ["echo"]);
    req({ typeUrl: TypeUrl.route, resourceNames: ["echo-rc"] });
    ack(TypeUrl.route, ["echo-rc"]);
    req({ typeUrl: TypeUrl.cluster, resourceNames: ["c-a"] });
    ack(TypeUrl.cluster, ["c-a"]);
    req({ typeUrl: TypeUrl.endpoint, resourceNames: ["c-a"] });
    ack(TypeUrl.endpoint, ["c-a"]);
  };
  return { s, sent, req, ack, last, handshake };
}

describe("snapshot cache", () => {
  test("versions are content hashes: same content, same version; nothing published twice", () => {
    const cache = new SnapshotCache();
    const a = cache.publish(config());
    const b = cache.publish(config());
    expect(b.changed).toEqual([]);
    expect(b.version).toBe(a.version);
    expect(cache.stats().counters.unchangedPublishes).toBe(1);
    const other = new SnapshotCache();
    expect(other.publish(config()).version).toBe(a.version);
  });

  test("duplicate names are refused and the previous snapshot stays", () => {
    const cache = new SnapshotCache();
    const ok = cache.publish(config());
    expect(() => cache.publish(f.resources({ clusters: [f.edsCluster("dup"), f.edsCluster("dup")] }))).toThrow(SnapshotError);
    expect(cache.snapshot().version).toBe(ok.version);
  });

  test("an endpoint-only change sends EDS and nothing else", () => {
    const cache = new SnapshotCache();
    cache.publish(config(1001));
    const c = sotw(cache);
    c.handshake();
    expect(c.s.isCurrent()).toBe(true);
    const before = c.sent.length;
    const r = cache.publish(config(1002));
    expect(r.changed).toEqual(["eds"]);
    expect(c.sent.slice(before).map((x) => x.typeUrl)).toEqual([TypeUrl.endpoint]);
    expect(c.s.isCurrent()).toBe(false);
    c.ack(TypeUrl.endpoint, ["c-a"]);
    expect(c.s.isCurrent()).toBe(true);
  });

  test("a change in a resource the client did not subscribe to sends nothing to it", () => {
    const cache = new SnapshotCache();
    cache.publish(config(1001));
    const c = sotw(cache);
    c.handshake();
    const before = c.sent.length;
    cache.publish(config(1001, 3)); // adds clusters x-0..x-2, which this client never asked for
    expect(c.sent.length).toBe(before);
    expect(c.s.isCurrent()).toBe(true);
  });

  test("additions go clusters first; removals go listeners first (make before break)", () => {
    const cache = new SnapshotCache();
    const envoy = (clusters: string[], listeners: Array<[string, string]>) =>
      f.resources({ listeners: listeners.map(([l, c]) => f.tcpListener(l, c)), clusters: clusters.map((c) => f.edsCluster(c)) });
    cache.publish(envoy(["c-a"], [["one", "c-a"]]));
    const c = sotw(cache);
    c.req({ node: { id: "envoy" }, typeUrl: TypeUrl.cluster }); // wildcard, like Envoy
    c.req({ typeUrl: TypeUrl.listener });
    c.ack(TypeUrl.cluster);
    c.ack(TypeUrl.listener);
    let before = c.sent.length;
    cache.publish(
      envoy(
        ["c-a", "c-two"],
        [
          ["one", "c-a"],
          ["two", "c-two"],
        ],
      ),
    );
    // The new cluster first; the listener that uses it only once the client answered for it.
    expect(c.sent.slice(before).map((x) => x.typeUrl)).toEqual([TypeUrl.cluster]);
    c.ack(TypeUrl.cluster);
    expect(c.sent.slice(before).map((x) => x.typeUrl)).toEqual([TypeUrl.cluster, TypeUrl.listener]);
    c.ack(TypeUrl.listener);
    // Now remove both: the listener goes first; the cluster stays until the client accepted that.
    before = c.sent.length;
    cache.publish(envoy(["c-a"], [["one", "c-a"]]));
    expect(c.sent.slice(before).map((x) => [x.typeUrl, x.resources.length] as const)).toEqual([[TypeUrl.listener, 1]]);
    c.ack(TypeUrl.listener);
    expect(c.sent.slice(before).map((x) => [x.typeUrl, x.resources.length] as const)).toEqual([
      [TypeUrl.listener, 1],
      [TypeUrl.cluster, 1],
    ]);
    c.ack(TypeUrl.cluster);
    // Replace a cluster: the new one arrives while the old one is still there; the old one goes
    // once the listener pointing at the new one is accepted.
    before = c.sent.length;
    cache.publish(envoy(["c-b"], [["one", "c-b"]]));
    expect(c.sent.slice(before).map((x) => [x.typeUrl, x.resources.length])).toEqual([[TypeUrl.cluster, 2]]);
    c.ack(TypeUrl.cluster);
    c.ack(TypeUrl.listener);
    expect(c.sent.slice(before).map((x) => [x.typeUrl, x.resources.length])).toEqual([
      [TypeUrl.cluster, 2],
      [TypeUrl.listener, 1],
      [TypeUrl.cluster, 1],
    ]);
    expect(cache.ackState("envoy").current).toBe(false);
    c.ack(TypeUrl.cluster);
    expect(cache.ackState("envoy")).toEqual({ current: true });
  });

  test("wildcard LDS never carries api listeners; a client naming one gets it", () => {
    const cache = new SnapshotCache();
    cache.publish(f.resources({ listeners: [f.apiListener("grpc.example", "rc"), f.tcpListener("tls", "c-a")], clusters: [f.edsCluster("c-a")] }));
    const envoy = sotw(cache);
    envoy.req({ node: { id: "envoy" }, typeUrl: TypeUrl.listener });
    expect(envoy.last(TypeUrl.listener).resources.length).toBe(1);
    envoy.ack(TypeUrl.listener);
    expect(cache.ackState("envoy")).toEqual({ current: true });
    const grpc = sotw(cache);
    grpc.req({ node: { id: "grpc" }, typeUrl: TypeUrl.listener, resourceNames: ["grpc.example"] });
    expect(grpc.last(TypeUrl.listener).resources.length).toBe(1);
  });

  test("a NACK is recorded with the client's reason and the rejected version is not resent", () => {
    const cache = new SnapshotCache();
    cache.publish(config(1001));
    const c = sotw(cache);
    c.handshake();
    const good = c.last(TypeUrl.endpoint).versionInfo;
    cache.publish(config(1002));
    const bad = c.last(TypeUrl.endpoint);
    const before = c.sent.length;
    c.req({ typeUrl: TypeUrl.endpoint, resourceNames: ["c-a"], versionInfo: good, responseNonce: bad.nonce, errorDetail: { code: 3, message: "no thanks" } });
    expect(c.sent.length).toBe(before); // no loop
    const eds = c.s.status().types.find((t) => t.type === "eds")!;
    expect(eds.rejecting).toBe(true);
    expect(eds.lastNack?.message).toBe("no thanks");
    expect(eds.lastNack?.version).toBe(bad.versionInfo);
    expect(eds.acked?.version).toBe(good);
    expect(cache.ackState("n1")).toEqual({ current: false, reason: expect.stringContaining("no thanks") });
    expect(cache.stats().counters.nacks.eds).toBe(1);
    // The next publish that changes EDS is sent, and its ACK clears the rejection.
    cache.publish(config(1003));
    expect(c.sent.length).toBe(before + 1);
    c.ack(TypeUrl.endpoint, ["c-a"]);
    expect(cache.ackState("n1")).toEqual({ current: true });
  });

  test("stale nonces are ignored", () => {
    const cache = new SnapshotCache();
    cache.publish(config(1001));
    const c = sotw(cache);
    c.handshake();
    const old = c.last(TypeUrl.endpoint);
    cache.publish(config(1002));
    c.req({ typeUrl: TypeUrl.endpoint, resourceNames: ["c-a"], versionInfo: old.versionInfo, responseNonce: old.nonce });
    const eds = c.s.status().types.find((t) => t.type === "eds")!;
    expect(eds.acked?.nonce).toBe(old.nonce);
    expect(eds.current).toBe(false);
  });

  test("reuseByIdentity: unchanged objects are not re-encoded, a new object for a change is seen", () => {
    const cache = new SnapshotCache({ reuseByIdentity: true });
    const base = config(1001);
    const first = cache.publish(base);
    const same = cache.publish({ ...base, clusters: [...base.clusters] });
    expect(same.changed).toEqual([]);
    const moved = cache.publish({ ...base, endpoints: [f.endpoints("c-a", [1002])] });
    expect(moved.changed).toEqual(["eds"]);
    expect(cache.snapshot().types.get(TypeUrl.listener)!.entries.get("echo")!.any).toBe(cache.snapshot().types.get(TypeUrl.listener)!.entries.get("echo")!.any);
    expect(moved.version).not.toBe(first.version);
  });
});

describe("responses over gRPC's 4 MiB default", () => {
  test("are reported for a gRPC client, in /status and in readiness, never for Envoy", () => {
    const cache = new SnapshotCache();
    const big = f.routeConfig("echo-rc", [f.route({ prefix: "", to: "c-a" })], ["x".repeat(4.5 * 2 ** 20)]);
    cache.publish(f.resources({ listeners: [f.apiListener("echo", "echo-rc")], routes: [big], clusters: [f.edsCluster("c-a")] }));
    for (const agent of ["gRPC Node", "envoy"]) {
      const sent: DiscoveryResponse[] = [];
      const s = cache.openSotw({ address: "test" }, (r) => sent.push(r));
      s.onRequest(
        create(DiscoveryRequestSchema, { node: { id: agent, userAgentName: agent }, typeUrl: TypeUrl.route, resourceNames: ["echo-rc"] }) as DiscoveryRequest,
      );
      const rds = s.status().types.find((t) => t.type === "rds")!;
      if (agent === "envoy") expect(rds.oversizeBytes).toBeUndefined();
      else {
        expect(rds.oversizeBytes).toBeGreaterThan(4 * 2 ** 20);
        expect(cache.ackState(agent).reason).toContain("over gRPC's default 4 MiB receive limit");
      }
    }
  });
});
