// The steering target and the socket Envoy binds are one decision: for every address kind (a
// Gateway's spec.addresses, an address-pool address, node addresses behind a wildcard bind, IPv4
// and IPv6, NodePort), each steering target's (envoyAddress, envoyPort) must be a socket address of
// an emitted Envoy Listener, and every steered address must be served by that socket.
import { expect, test } from "bun:test";
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile } from "../../src/pipeline/compile.ts";
import { datapathIntent } from "../../src/pipeline/datapath.ts";
import { defaultConfig, type ApplianceConfig } from "../../src/config/types.ts";
import type { XdsResources } from "../../src/xds/resources.ts";
import { edgegateClass, gateway } from "../helpers/manifests.ts";

const http = "[{name: http, protocol: HTTP, port: 80}]";
const yaml = [
  edgegateClass,
  gateway({
    name: "own",
    namespace: "web",
    listeners: http,
    extra: "  addresses: [{type: IPAddress, value: 198.51.100.7}, {type: IPAddress, value: 2001:db8::7}]\n",
  }),
  gateway({ name: "pooled", namespace: "web", listeners: http }),
].join("---\n");

/** Every (address, port) the emitted Listeners bind. */
function boundSockets(xds: XdsResources): Set<string> {
  const out = new Set<string>();
  for (const l of xds.listeners) {
    for (const a of [l.address, ...l.additionalAddresses.map((x) => x.address)]) {
      if (a?.address.case !== "socketAddress") continue;
      const s = a.address.value;
      out.add(`${s.address}|${s.portSpecifier.case === "portValue" ? s.portSpecifier.value : "?"}`);
    }
  }
  return out;
}

function check(config: ApplianceConfig, objects = parseFile("g.yaml", yaml).objects): Array<[string, number, string, number]> {
  const c = compile({ objects, config });
  const bound = boundSockets(c.xds);
  const steering = datapathIntent(c.ir, objects).intent.steering;
  for (const t of steering) expect(bound).toContain(`${t.envoyAddress}|${t.envoyPort}`);
  return steering.map((t) => [t.address, t.port, t.envoyAddress!, t.envoyPort]);
}

test("specific addresses steer to themselves; a wildcard bind takes the node addresses of its families", () => {
  const config = defaultConfig("n");
  config.datapath.mode = "tc";
  config.node.addresses = ["192.0.2.10", "2001:db8::10"];
  // spec.addresses must be servable here (pool or node); the pool hands 203.0.113.5 to "pooled"
  config.exposure.addressPool = ["198.51.100.7", "2001:db8::7", "203.0.113.5"];
  expect(check(config)).toEqual([
    ["198.51.100.7", 80, "198.51.100.7", 80],
    ["2001:db8::7", 80, "2001:db8::7", 80],
    ["203.0.113.5", 80, "203.0.113.5", 80],
  ]);
  // no pool: the second Gateway shares the wildcard socket; 0.0.0.0 takes IPv4 node addresses only
  config.exposure.addressPool = [];
  const objects = parseFile("g.yaml", [edgegateClass, gateway({ name: "pooled", namespace: "web", listeners: http })].join("---\n")).objects;
  expect(check(config, objects)).toEqual([["192.0.2.10", 80, "0.0.0.0", 80]]);
  // "::" is IPv6-only in Envoy (SocketAddress.ipv4_compat is not set): IPv6 node addresses only
  config.exposure.bindAddress = "::";
  expect(check(config, objects)).toEqual([["2001:db8::10", 80, "::", 80]]);
});

test("NodePort: the node port is steered to Envoy's socket on that node port", () => {
  const config = defaultConfig("n");
  config.datapath.mode = "sklookup";
  config.node.addresses = ["192.0.2.10"];
  config.exposure = { ...config.exposure, mode: "nodePort", nodePorts: { "80": 30080 } };
  const objects = parseFile("g.yaml", [edgegateClass, gateway({ name: "np", namespace: "web", listeners: http })].join("---\n")).objects;
  expect(check(config, objects)).toEqual([["192.0.2.10", 30080, "0.0.0.0", 30080]]);
});
