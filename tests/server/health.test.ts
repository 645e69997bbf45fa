import { describe, expect, test } from "bun:test";
import { evaluateHealth, evaluateReadiness, VerdictCache } from "../../src/server/health.ts";
import { matchesSelector } from "../../src/server/node-selector.ts";
import { healthyStatus } from "./fixture.ts";

describe("health verdict", () => {
  test("healthy fixture is healthy", () => {
    expect(evaluateHealth(healthyStatus())).toEqual({ ok: true, reasons: [] });
  });

  test("node not selected", () => {
    const s = healthyStatus();
    s.node.selected = false;
    s.node.labels = { role: "core" };
    expect(evaluateHealth(s).reasons).toEqual(['node: "edge-1" (labels role=core) does not match the node selector role=edge']);
  });

  test("envoy not found says so and how to fix it", () => {
    const s = healthyStatus();
    s.envoy = { phase: "not-found", message: 'envoy binary "envoy" not found on PATH; install ...', restarts: 0 };
    expect(evaluateHealth(s).reasons[0]).toStartWith("envoy: not found: envoy binary");
  });

  test("envoy not ready", () => {
    const s = healthyStatus();
    s.envoy.phase = "backoff";
    s.envoy.message = "envoy exited (code 1) after 10 ms; restarting in 500 ms";
    expect(evaluateHealth(s)).toEqual({ ok: false, reasons: ["envoy: backoff: envoy exited (code 1) after 10 ms; restarting in 500 ms"] });
  });

  test("no snapshot, Envoy not connected, not subscribed", () => {
    const s = healthyStatus();
    s.xds.snapshot.seq = 0;
    expect(evaluateHealth(s).reasons).toEqual(["xds: no configuration snapshot has been published yet"]);
    const t = healthyStatus();
    t.xds.clients = t.xds.clients.filter((c) => c.nodeId !== "edge-1");
    expect(evaluateHealth(t).reasons).toEqual(['xds: Envoy (node "edge-1") is not connected to the xDS server']);
    const u = healthyStatus();
    u.xds.clients[0]!.types = [];
    expect(evaluateHealth(u).ok).toBe(false);
  });

  test("NACK and pending ACK are reported per type; other clients do not matter", () => {
    const s = healthyStatus();
    const envoy = s.xds.clients[0]!;
    envoy.current = false;
    envoy.types[0] = {
      ...envoy.types[0]!,
      desiredVersion: "c2",
      current: false,
      rejecting: true,
      lastNack: { version: "c2", message: "duplicate cluster name", at: 1 },
    };
    envoy.types[1] = { ...envoy.types[1]!, desiredVersion: "l2", current: false };
    s.xds.clients[1]!.current = false;
    expect(evaluateHealth(s).reasons).toEqual([
      "xds: Envoy NACKed cds version c2: duplicate cluster name",
      "xds: Envoy has not ACKed lds version l2 yet (ACKed: l1)",
    ]);
  });

  test("an overlapping newer stream that is current is enough", () => {
    const s = healthyStatus();
    s.xds.clients[0]!.current = false;
    s.xds.clients.push({ ...s.xds.clients[0]!, stream: 9, current: true });
    expect(evaluateHealth(s).ok).toBe(true);
  });

  test("readiness depends on source and snapshot, not Envoy", () => {
    const s = healthyStatus();
    s.envoy.phase = "not-found";
    expect(evaluateReadiness(s)).toEqual({ ok: true, reasons: [] });
    s.source = { mode: "kubernetes", state: "error", message: "connection refused", objects: 0 };
    s.xds.snapshot.seq = 0;
    expect(evaluateReadiness(s).reasons).toEqual(["source: kubernetes error: connection refused", "xds: no configuration snapshot has been published yet"]);
  });

  test("node selector semantics", () => {
    expect(matchesSelector({ a: "1" }, {})).toBe(true);
    expect(matchesSelector({ a: "1", b: "2" }, { a: "1" })).toBe(true);
    expect(matchesSelector({ a: "1" }, { a: "2" })).toBe(false);
    expect(matchesSelector({}, { a: "" })).toBe(false);
  });
});

describe("health verdicts: only the supervised Envoy's stream counts", () => {
  test("a current stream with the node id from another pid does not count", () => {
    const s = healthyStatus();
    s.xds.clients[0]!.peerPid = 999;
    expect(evaluateHealth(s).reasons).toEqual(['xds: the supervised Envoy (pid 4242) is not connected; 1 other stream(s) with node id "edge-1" do not count']);
    const t = healthyStatus();
    delete t.xds.clients[0]!.peerPid; // over TCP: no peer credentials
    expect(evaluateHealth(t).ok).toBe(false);
  });
});

describe("VerdictCache", () => {
  test("computed once per change of its inputs, not per request; at most maxAgeMs old otherwise", () => {
    let reads = 0;
    let now = 0;
    const s = healthyStatus();
    const cache = new VerdictCache(
      () => (reads++, s),
      1000,
      () => now,
    );
    for (let i = 0; i < 1000; i++) expect(cache.healthVerdict().ok).toBe(true);
    expect(cache.readinessVerdict().ok).toBe(true);
    expect(reads).toBe(1);
    s.node.selected = false;
    expect(cache.healthVerdict().ok).toBe(true); // not told yet
    cache.invalidate();
    expect(cache.healthVerdict().ok).toBe(false);
    expect(reads).toBe(2);
    s.node.selected = true;
    now = 1000; // an input without events (the source's state) is picked up within maxAgeMs
    expect(cache.healthVerdict().ok).toBe(true);
    expect(reads).toBe(3);
  });
});
