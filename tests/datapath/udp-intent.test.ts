// From configuration to datapath intent for L4 listeners (pure): a Gateway's UDP listener is
// steered to the UDP socket its Envoy Listener binds (protocol UDP), beside the TCP listener of the
// same port number, and a GatewayNetworkPolicy on the UDP listener lands on the UDP port only.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile } from "../../src/pipeline/compile.ts";
import { datapathIntent } from "../../src/pipeline/datapath.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { SocketAddress_Protocol } from "../../src/gen/envoy/config/core/v3/address_pb.ts";

const input = readFileSync(join(import.meta.dir, "../golden/testdata/tcp-udp-routes/input.yaml"), "utf8");
const policy = `---
apiVersion: edgegate.io/v1alpha1
kind: GatewayNetworkPolicy
metadata: {name: dns-clients, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: l4, sectionName: udp}]
  ingress: {allow: [10.9.0.0/16]}
`;

test("a UDP listener is steered to Envoy's UDP socket, and its policy applies to UDP only", () => {
  const config = defaultConfig("n");
  config.datapath.mode = "sklookup";
  config.node.addresses = ["192.0.2.10"];
  const objects = parseFile("g.yaml", input + policy).objects;
  const c = compile({ objects, config });
  const bound = new Set<string>();
  for (const l of c.xds.listeners) {
    const a = l.address?.address;
    if (a?.case !== "socketAddress") continue;
    const s = a.value;
    bound.add(
      `${s.protocol === SocketAddress_Protocol.UDP ? "UDP" : "TCP"} ${s.address}:${s.portSpecifier.case === "portValue" ? s.portSpecifier.value : "?"}`,
    );
  }
  const { intent, unresolved } = datapathIntent(c.ir, objects);
  expect(unresolved).toEqual([]);
  const steering = intent.steering.map((t) => `${t.protocol ?? "TCP"} ${t.address}:${t.port} -> ${t.envoyAddress}:${t.envoyPort} ${t.listener}`).sort();
  expect(steering).toEqual(["TCP 192.0.2.10:5432 -> 0.0.0.0:5432 tcp", "UDP 192.0.2.10:5432 -> 0.0.0.0:5432 udp"]);
  // each target points at a socket of its own protocol that an emitted Listener binds
  for (const t of intent.steering) expect(bound).toContain(`${t.protocol ?? "TCP"} ${t.envoyAddress}:${t.envoyPort}`);
  expect(intent.policies).toEqual([
    {
      port: 5432,
      protocol: "UDP",
      address: "192.0.2.10",
      rules: [{ cidr: "10.9.0.0/16", action: "allow" }],
      defaultAction: "deny",
      policy: "default/dns-clients",
    },
  ]);
});
