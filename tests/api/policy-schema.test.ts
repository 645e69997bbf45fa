// GatewayNetworkPolicy against proto/edgegate/policy/v1alpha1: a policy as users write it is a
// GatewayNetworkPolicy in proto3 JSON (its spec field for field), and the validator accepts
// exactly the fields the proto defines.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { GatewayNetworkPolicySchema, GatewayNetworkPolicySpecSchema } from "../../src/gen/edgegate/policy/v1alpha1/gateway_network_policy_pb.ts";
import { validateGatewayNetworkPolicy } from "../../src/policy/validate.ts";
import { formatPath, type Reporter } from "../../src/validate/problems.ts";
import type { FieldPath } from "../../src/yaml/documents.ts";

const input = join(import.meta.dir, "../golden/testdata/network-policy/input.yaml");
const policies = parseAllDocuments(readFileSync(input, "utf8"))
  .map((d) => d.toJS() as { kind?: string; spec?: JsonValue } & { [k: string]: JsonValue })
  .filter((o) => o.kind === "GatewayNetworkPolicy");

function problems(o: Record<string, unknown>): string[] {
  const out: string[] = [];
  const r: Reporter = {
    error: (path: FieldPath, message: string) => void out.push(`${formatPath(path)}: ${message}`),
    get count() {
      return out.length;
    },
  };
  validateGatewayNetworkPolicy(o, r);
  return out;
}

describe("GatewayNetworkPolicy and its proto", () => {
  test("the golden policy is one, its spec field for field", () => {
    expect(policies).toHaveLength(1);
    const [p] = policies;
    const spec = fromJson(GatewayNetworkPolicySpecSchema, p!.spec!);
    expect(spec.targetRefs[0]).toMatchObject({ group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw", sectionName: "http" });
    expect(spec.ingress?.allow).toEqual(["10.0.0.0/8", "2001:db8::/32"]);
    expect(spec.egress?.allow[0]).toMatchObject({ cidr: "10.20.0.0/16", ports: [443] });
    const whole = fromJson(GatewayNetworkPolicySchema, p!);
    expect(whole).toMatchObject({ apiVersion: "edgegate.io/v1alpha1", kind: "GatewayNetworkPolicy", metadata: { name: "office-only", namespace: "default" } });
    expect(problems(p!)).toEqual([]);
  });

  test("a field the proto does not define is refused by both", () => {
    const p = structuredClone(policies[0]!) as { spec: { egress: { allow: Array<Record<string, unknown>> } } };
    p.spec.egress.allow[0]!.port = 443;
    expect(() => fromJson(GatewayNetworkPolicySpecSchema, p.spec as unknown as JsonValue)).toThrow(/"port" is unknown/);
    expect(problems(p)).toEqual(['spec.egress.allow[0].port: unknown field (did you mean "ports"?)']);
  });
});
