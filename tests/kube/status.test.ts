// Status tells the truth (issue 16): Programmed follows the data plane (a selected node's Envoy has
// ACKed a configuration containing the Gateway, reported through that node's Lease); addresses
// come only from selected nodes; with none selected, no address and Programmed=False.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiServer, apiServerAvailable } from "./apiserver.ts";
import * as f from "./fixtures.ts";
import { startPipeline, until, type Running } from "./pipeline.ts";
import type { Obj } from "../../src/yaml/value.ts";

const available = apiServerAvailable();

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}
interface GwStatus {
  addresses?: Array<{ value: string }>;
  conditions?: Cond[];
  listeners?: Array<{ conditions: Cond[] }>;
}

describe.skipIf(!available)("status follows the data plane and the selected nodes", () => {
  const api = new ApiServer();
  let p: Running;
  const gwStatus = async (): Promise<GwStatus> => ((await api.get(f.gateway())).status ?? {}) as GwStatus;
  const programmed = async (): Promise<Cond | undefined> => (await gwStatus()).conditions?.find((c) => c.type === "Programmed");

  beforeAll(async () => {
    await api.start();
    await api.applyCrds(["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"]);
    await api.create(f.node("node-a", { "edgegate.io/gateway": "true" }, "192.0.2.10"));
    await api.create(f.node("node-b", { "edgegate.io/gateway": "true" }, "192.0.2.11"));
    for (const o of [f.gatewayClass(), f.gateway(), f.service(), f.endpointSlice(), f.httpRoute("a")]) await api.create(o);
    // No Envoy yet: the node reports serving nothing.
    p = await startPipeline(api, { matchLabels: { "edgegate.io/gateway": "true" }, envoy: false });
  }, 60_000);

  afterAll(async () => {
    await p?.stop();
    await api.stop();
  }, 20_000);

  test("no Envoy: Programmed=False, reason Pending, saying why for each selected node", async () => {
    // (The CRD's default status is Programmed=Unknown, reason Pending: wait for ours.)
    const c = await until("Programmed Pending", async () => {
      const x = await programmed();
      // (Until node-a's own report arrives its part says "no report yet".)
      return x?.reason === "Pending" && x.message.includes("node-a: Envoy is not connected to xDS") ? x : undefined;
    });
    expect(c.status).toBe("False");
    expect(c.message).toStartWith("waiting for a selected node's Envoy to ACK a configuration with this Gateway (generation 1)");
    // node-b runs no edgegate in this test: it never reported.
    expect(c.message).toContain("node-b: no report yet");
    const st = await gwStatus();
    expect(st.listeners?.[0]?.conditions.find((x) => x.type === "Programmed")?.status).toBe("False");
    // The report is a Lease of this node, in the Lease namespace.
    const lease = await api.client.request("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/edgegate-node-node-a");
    expect(((lease.metadata as Obj).annotations as Record<string, string>)["edgegate.io/programmed-gateways"]).toBe("[]");
  }, 20_000);

  test("Programmed=True once this node's Envoy has ACKed a configuration with the Gateway", async () => {
    p.envoy.connect();
    const c = await until("Programmed True", async () => ((await programmed())?.status === "True" ? await programmed() : undefined));
    expect(c.observedGeneration).toBe(1);
    expect(p.kube.details().dataPlane.gateways).toEqual(["default/web@1"]);
    // Addresses: both selected nodes', from their Node objects.
    expect((await gwStatus()).addresses?.map((a) => a.value)).toEqual(["192.0.2.10", "192.0.2.11"]);
  }, 20_000);

  test("a new generation Envoy rejects stays Pending until one is ACKed", async () => {
    p.envoy.rejecting = true;
    await api.update(f.gateway(), (o) => {
      (o.spec as { listeners: Array<{ port: number }> }).listeners[0]!.port = 8081;
    });
    const c = await until("Pending at generation 2", async () => {
      const x = await programmed();
      return x?.observedGeneration === 2 && x.reason === "Pending" && x.message.includes("NACK") ? x : undefined;
    });
    p.envoy.rejecting = false;
    expect(c.status).toBe("False");
    expect(c.message).toContain("generation 2");
    expect(c.message).toContain("node-a:");
    // A route change leaves the rejected listener as it is: still Pending.
    await api.create(f.httpRoute("b"));
    await Bun.sleep(300);
    expect((await programmed())?.status).toBe("False");
    // The next listener change is ACKed.
    await api.update(f.gateway(), (o) => {
      (o.spec as { listeners: Array<{ port: number }> }).listeners[0]!.port = 8082;
    });
    await until("Programmed True at generation 3", async () => {
      const x = await programmed();
      return x?.status === "True" && x.observedGeneration === 3;
    });
  }, 20_000);

  test("Envoy gone: Pending again", async () => {
    p.envoy.disconnect();
    await until("Pending", async () => (await programmed())?.reason === "Pending");
    p.envoy.connect();
    await until("True", async () => (await programmed())?.status === "True");
  }, 20_000);

  test("no node selected: no addresses, Programmed=False NoResources; selected again: back", async () => {
    for (const n of ["node-a", "node-b"]) {
      await api.update(f.node(n, {}), (o) => {
        (o.metadata as { labels: Record<string, string> }).labels = {};
      });
    }
    const st = await until("no addresses", async () => {
      const s = await gwStatus();
      return s.addresses?.length === 0 && s.conditions?.find((c) => c.type === "Programmed")?.reason === "NoResources" ? s : undefined;
    });
    const c = st.conditions!.find((x) => x.type === "Programmed")!;
    expect(c.status).toBe("False");
    expect(c.message).toContain("edgegate.io/gateway=true");
    await api.update(f.node("node-b", {}), (o) => {
      (o.metadata as { labels: Record<string, string> }).labels = { "edgegate.io/gateway": "true" };
    });
    // node-b is selected, but its Envoy has not reported: only its address, and Pending.
    await until("node-b's address, Pending", async () => {
      const s = await gwStatus();
      return JSON.stringify(s.addresses?.map((a) => a.value)) === '["192.0.2.11"]' && s.conditions?.find((x) => x.type === "Programmed")?.reason === "Pending";
    });
    await api.update(f.node("node-a", {}), (o) => {
      (o.metadata as { labels: Record<string, string> }).labels = { "edgegate.io/gateway": "true" };
    });
    await until("both addresses, Programmed", async () => {
      const s = await gwStatus();
      return s.addresses?.length === 2 && s.conditions?.find((x) => x.type === "Programmed")?.status === "True";
    });
  }, 20_000);
});
