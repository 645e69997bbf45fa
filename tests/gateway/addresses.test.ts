// Gateway addresses: spec.addresses, Cilium's io.cilium/lb-ipam-ips annotation (and edgegate's
// edgegate.io/lb-ipam-ips) in spec.infrastructure.annotations, the address pool, the node's addresses.
import { describe, expect, test } from "bun:test";
import { assignAddresses, type AddressOptions } from "../../src/gateway/addresses.ts";
import type { Gateway } from "../../src/kinds/gateway-api.ts";
import { translate } from "../../src/translate/index.ts";
import type { StoredObject } from "../../src/store/types.ts";
import { admitted } from "../helpers/stored.ts";

const opts: AddressOptions = { bindAddress: "0.0.0.0", nodeAddresses: ["192.0.2.10"], pool: ["192.0.2.60", "192.0.2.61", "2001:db8::60"] };

function gw(name: string, spec: Partial<Gateway["spec"]> = {}): Gateway {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name, namespace: "default", generation: 1 },
    spec: { gatewayClassName: "edgegate", listeners: [{ name: "http", protocol: "HTTP", port: 80 }], ...spec },
  } as Gateway;
}
const ann = (a: Record<string, string>): Partial<Gateway["spec"]> => ({ infrastructure: { annotations: a } });

describe("lb-ipam-ips annotation", () => {
  test("io.cilium/lb-ipam-ips asks for addresses when spec.addresses is empty (IPv4 and IPv6, comma-separated)", () => {
    const g = gw("a", ann({ "io.cilium/lb-ipam-ips": "192.0.2.61, 2001:db8::60" }));
    expect(assignAddresses([g], opts).get(g)).toEqual({
      bind: ["192.0.2.61", "2001:db8::60"],
      reported: ["192.0.2.61", "2001:db8::60"],
      unsupported: [],
      unusable: [],
      notes: [],
    });
  });
  test("edgegate.io/lb-ipam-ips wins over the Cilium name", () => {
    const g = gw("a", ann({ "io.cilium/lb-ipam-ips": "192.0.2.61", "edgegate.io/lb-ipam-ips": "192.0.2.60" }));
    expect(assignAddresses([g], opts).get(g)?.bind).toEqual(["192.0.2.60"]);
  });
  test("ignored when spec.addresses is set, and said so", () => {
    const g = gw("a", { ...ann({ "io.cilium/lb-ipam-ips": "192.0.2.61" }), addresses: [{ type: "IPAddress", value: "192.0.2.60" }] });
    const a = assignAddresses([g], opts).get(g);
    expect(a?.bind).toEqual(["192.0.2.60"]);
    expect(a?.notes).toEqual(["spec.infrastructure.annotations io.cilium/lb-ipam-ips is ignored because spec.addresses is set"]);
  });
  test("an annotated address is reserved before the pool hands addresses to other Gateways", () => {
    const first = gw("first");
    const annotated = gw("annotated", ann({ "io.cilium/lb-ipam-ips": "192.0.2.60" }));
    const got = assignAddresses([first, annotated], { ...opts, pool: ["192.0.2.60", "192.0.2.61"] });
    expect(got.get(annotated)?.bind).toEqual(["192.0.2.60"]);
    expect(got.get(first)?.bind).toEqual(["192.0.2.61"]);
  });
  test("an address this node cannot serve, or junk, is reported like a spec.addresses entry", () => {
    const far = gw("far", ann({ "io.cilium/lb-ipam-ips": "198.51.100.1" }));
    const junk = gw("junk", ann({ "io.cilium/lb-ipam-ips": "not-an-ip" }));
    const got = assignAddresses([far, junk], opts);
    expect(got.get(far)?.unusable).toEqual(["198.51.100.1 is neither in exposure.addressPool nor an address of this node"]);
    expect(got.get(junk)?.unsupported).toEqual(["not-an-ip is not an IP address"]);
  });
});

describe("Gateway status follows", () => {
  const objects = (g: Gateway): StoredObject[] =>
    admitted([
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "GatewayClass",
        metadata: { name: "edgegate" },
        spec: { controllerName: "edgegate.io/gateway-controller" },
      },
      g,
    ]);
  const run = (g: Gateway) =>
    translate(objects(g), {
      controllerName: "edgegate.io/gateway-controller",
      ingressController: "x",
      bindAddress: "0.0.0.0",
      nodeAddresses: ["192.0.2.10"],
      addressPool: ["192.0.2.60"],
    });

  test("the annotated address is the listener's address and the reported one", () => {
    const t = run(gw("a", ann({ "io.cilium/lb-ipam-ips": "192.0.2.60" })));
    expect(t.ir.listeners.map((l) => `${l.address}:${l.port}`)).toEqual(["192.0.2.60:80"]);
    const st = t.status.find((s) => s.kind === "Gateway")?.status as { addresses: unknown[] };
    expect(st.addresses).toEqual([{ type: "IPAddress", value: "192.0.2.60" }]);
  });
  test("an ignored annotation shows in the Accepted condition's message", () => {
    const t = run(gw("a", { ...ann({ "io.cilium/lb-ipam-ips": "192.0.2.61" }), addresses: [{ type: "IPAddress", value: "192.0.2.60" }] }));
    const st = t.status.find((s) => s.kind === "Gateway")?.status as { conditions: Array<{ type: string; status: string; message: string }> };
    expect(st.conditions.find((c) => c.type === "Accepted")).toMatchObject({
      status: "True",
      message: "Gateway accepted; spec.infrastructure.annotations io.cilium/lb-ipam-ips is ignored because spec.addresses is set",
    });
  });
});
