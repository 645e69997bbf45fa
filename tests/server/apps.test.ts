import { describe, expect, test } from "bun:test";
import { createAdminApp, createHealthApp, type StatusDocument } from "../../src/server/apps.ts";
import { healthyStatus, provide } from "./fixture.ts";

describe("health app", () => {
  test("/healthz 200 when healthy, 503 with reasons otherwise", async () => {
    const s = healthyStatus();
    const app = createHealthApp(provide(s));
    const ok = await app.request("/healthz");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: "healthy" });
    expect(ok.headers.get("cache-control")).toBe("no-store");

    s.envoy = { phase: "not-found", message: "install it", restarts: 0 };
    const bad = await app.request("/healthz");
    expect(bad.status).toBe(503);
    expect(bad.headers.get("content-type")).toStartWith("application/json");
    expect(await bad.json()).toEqual({ status: "unhealthy", reasons: ["envoy: not found: install it"] });
  });

  test("HEAD /healthz works for load balancers that use it", async () => {
    const s = healthyStatus();
    s.node.selected = false;
    const res = await createHealthApp(provide(s)).request("/healthz", { method: "HEAD" });
    expect(res.status).toBe(503);
  });

  test("/livez and /readyz", async () => {
    const s = healthyStatus();
    const app = createHealthApp(provide(s));
    expect((await app.request("/livez")).status).toBe(200);
    expect((await app.request("/readyz")).status).toBe(200);
    s.source.state = "starting";
    const r = await app.request("/readyz");
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: "not ready", reasons: ["source: files starting"] });
  });

  test("the load balancer port exposes no status or metrics", async () => {
    const app = createHealthApp(provide(healthyStatus()));
    expect((await app.request("/status")).status).toBe(404);
    expect((await app.request("/metrics")).status).toBe(404);
  });
});

describe("admin app", () => {
  test("/status is the snapshot plus verdicts", async () => {
    const s = healthyStatus();
    s.xds.clients[0]!.current = false;
    s.xds.clients[0]!.types[0]!.current = false;
    const res = await createAdminApp(provide(s)).request("/status");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as StatusDocument;
    expect(doc.envoy.phase).toBe("ready");
    expect(doc.node.name).toBe("edge-1");
    expect(doc.health.healthy).toBe(false);
    expect(doc.health.reasons).toEqual(["xds: Envoy has not ACKed cds version c1 yet (ACKed: c1)"]);
    expect(doc.readiness).toEqual({ ready: true, reasons: [] });
  });

  test("/metrics is Prometheus text with its content type", async () => {
    const res = await createAdminApp(provide(healthyStatus()), { processFacts: () => ({ residentBytes: 1 }) }).request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await res.text()).toContain("# TYPE edgegate_envoy_restarts_total counter\nedgegate_envoy_restarts_total 2\n");
  });

  test("admin app also answers the health routes", async () => {
    expect((await createAdminApp(provide(healthyStatus())).request("/healthz")).status).toBe(200);
  });
});
