// GatewayNetworkPolicy reports ancestors like a Gateway API policy (Accepted / TargetNotFound).
import { expect, test } from "bun:test";
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { edgegateClass, gateway } from "../helpers/manifests.ts";

test("a policy targeting a served Gateway is Accepted; a missing target is TargetNotFound", () => {
  const yaml = `${edgegateClass}---
${gateway({ name: "web", namespace: "default", listeners: "[{name: http, protocol: HTTP, port: 80}]" })}---
apiVersion: edgegate.io/v1alpha1
kind: GatewayNetworkPolicy
metadata: {name: office, namespace: default, generation: 3}
spec:
  targetRefs:
  - {group: gateway.networking.k8s.io, kind: Gateway, name: web, sectionName: http}
  - {group: gateway.networking.k8s.io, kind: Gateway, name: gone}
  ingress: {allow: [10.0.0.0/8]}
`;
  const load = parseFile("p.yaml", yaml);
  expect(load.problems).toEqual([]);
  const r = compile({ objects: load.objects, config: defaultConfig("n") });
  const st = r.status.find((s) => s.kind === "GatewayNetworkPolicy");
  expect(st).toBeDefined();
  if (st?.kind !== "GatewayNetworkPolicy") throw new Error("no policy status");
  expect(
    st.status.ancestors.map((a) => [
      a.ancestorRef.name,
      a.ancestorRef.sectionName,
      a.conditions[0]!.status,
      a.conditions[0]!.reason,
      a.conditions[0]!.observedGeneration,
    ]),
  ).toEqual([
    ["web", "http", "True", "Accepted", 3],
    ["gone", undefined, "False", "TargetNotFound", 3],
  ]);
});
