// The datapath intent: which address:port the datapath steers to which Envoy port.
import { expect, test } from "bun:test";
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile } from "../../src/pipeline/compile.ts";
import { datapathIntent } from "../../src/pipeline/datapath.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { edgegateClass, gateway } from "../helpers/manifests.ts";

const listeners = "[{name: http, protocol: HTTP, port: 80}, {name: alt, protocol: HTTP, port: 8080}]";
const yaml = `${edgegateClass}---\n${gateway({ name: "web", namespace: "default", listeners })}`;

test("host network: the node's addresses on the listener ports; nodePort: node ports, where Envoy listens too", () => {
  const objects = parseFile("g.yaml", yaml).objects;
  const config = defaultConfig("n");
  config.node.addresses = ["192.0.2.10"];
  const ir = compile({ objects, config }).ir;
  const host = datapathIntent(ir, objects).intent.steering.map((t) => [t.address, t.port, t.envoyPort, t.listener]);
  expect(host).toEqual([
    ["192.0.2.10", 80, 80, "http"],
    ["192.0.2.10", 8080, 8080, "alt"],
  ]);
  config.datapath.mode = "tc";
  config.exposure = { ...config.exposure, mode: "nodePort" as const, nodePorts: { "80": 30080 } };
  const npIr = compile({ objects, config }).ir;
  expect(datapathIntent(npIr, objects).intent.steering.map((t) => [t.address, t.port, t.envoyPort])).toEqual([["192.0.2.10", 30080, 30080]]);
});

test("nodePort exposure: Envoy listens on the node ports (with the datapath off or on)", () => {
  const objects = parseFile("g.yaml", yaml).objects;
  const config = defaultConfig("n");
  config.exposure = { ...config.exposure, mode: "nodePort", nodePorts: { "80": 30080 } };
  const ports = compile({ objects, config }).ir.listeners.map((l) => [l.name, l.port]);
  expect(ports).toEqual([
    ["default/web/80", 30080],
    ["default/web/8080", 8080],
  ]);
});

test("edgegate.io/port-ranges steers a port range to a listener; bad values are reported", () => {
  const annotated = `${edgegateClass}---\n${gateway({ name: "web", namespace: "default", listeners, annotations: '{edgegate.io/port-ranges: "alt=9000-9010, nope=1-2, alt=5-3"}' })}`;
  const objects = parseFile("g.yaml", annotated).objects;
  const config = defaultConfig("n");
  config.node.addresses = ["192.0.2.10"];
  const r = datapathIntent(compile({ objects, config }).ir, objects);
  expect(r.intent.steering.filter((t) => t.portEnd !== undefined).map((t) => [t.address, t.port, t.portEnd, t.envoyPort])).toEqual([
    ["192.0.2.10", 9000, 9010, 8080],
  ]);
  expect(r.unresolved).toEqual([
    "Gateway default/web: annotation edgegate.io/port-ranges: listener nope is not exposed",
    'Gateway default/web: annotation edgegate.io/port-ranges: "alt=5-3" is not LISTENER=FIRST-LAST with ports 1-65535',
  ]);
});
