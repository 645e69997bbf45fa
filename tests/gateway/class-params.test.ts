// GatewayClass parameters: edgegate's GatewayClassConfig and Cilium's CiliumGatewayClassConfig give
// a class's Gateways node settings (exposure and node ports, xffNumTrustedHops); a missing or
// unknown parameters object is Accepted=False, InvalidParameters, and nothing of the class is served.
import { describe, expect, test } from "bun:test";
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile } from "../../src/pipeline/compile.ts";
import { datapathIntent } from "../../src/pipeline/datapath.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { xdsToJson } from "../../src/xds/json.ts";

const klass = (name: string, ref?: string): string =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: ${name}}\nspec:\n  controllerName: edgegate.io/gateway-controller\n${ref ? `  parametersRef: ${ref}\n` : ""}`;
const gw = (name: string, className: string): string =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: ${name}, namespace: web}\nspec:\n  gatewayClassName: ${className}\n  listeners: [{name: http, protocol: HTTP, port: 80}]\n`;
const classConfig = (spec: string): string =>
  `apiVersion: edgegate.io/v1alpha1\nkind: GatewayClassConfig\nmetadata: {name: edge, namespace: infra}\nspec:\n${spec}`;

function run(docs: string[]) {
  const parsed = parseFile("c.yaml", docs.join("---\n"));
  expect(parsed.problems.map((p) => p.message)).toEqual([]);
  const config = defaultConfig("n");
  config.node.addresses = ["192.0.2.10"];
  config.datapath.mode = "tc";
  config.exposure = { ...config.exposure, nodePorts: { "80": 30080 } };
  const c = compile({ objects: parsed.objects, config });
  const accepted = (name: string) => {
    const s = c.status.find((x) => x.kind === "GatewayClass" && x.name === name)!.status as {
      conditions: Array<{ type: string; status: string; reason: string; message: string }>;
    };
    const a = s.conditions.find((x) => x.type === "Accepted")!;
    return `${a.status} ${a.reason}: ${a.message}`;
  };
  const ports = Object.fromEntries(c.ir.listeners.map((l) => [l.name, l.port]));
  const steered = datapathIntent(c.ir, parsed.objects).intent.steering.map((t) => `${t.gateway} ${t.address}:${t.port}`);
  const hops = Object.fromEntries(
    xdsToJson(c.xds).listeners.map((l) => {
      const hcm = (l as { filterChains?: Array<{ filters?: Array<{ typedConfig?: { xffNumTrustedHops?: number } }> }> }).filterChains?.[0]?.filters?.[0]
        ?.typedConfig;
      return [(l as { name: string }).name, hcm?.xffNumTrustedHops ?? 0];
    }),
  );
  return { accepted, ports, steered, hops };
}

describe("GatewayClassConfig (edgegate.io/v1alpha1)", () => {
  const ref = "{group: edgegate.io, kind: GatewayClassConfig, name: edge, namespace: infra}";
  test("exposure and xffNumTrustedHops apply to the class's Gateways only; the class says where they come from", () => {
    const r = run([
      klass("edge", ref),
      klass("plain"),
      classConfig('  exposure: {mode: nodePort, nodePorts: {"80": 31080}}\n  http: {xffNumTrustedHops: 2}\n'),
      gw("a", "edge"),
      gw("b", "plain"),
    ]);
    expect(r.accepted("edge")).toBe("True Accepted: edgegate serves this GatewayClass; settings from GatewayClassConfig infra/edge");
    expect(r.ports).toEqual({ "web/a/80": 31080, "web/b/80": 80 });
    expect(r.steered).toEqual(["web/a 192.0.2.10:31080", "web/b 192.0.2.10:80"]);
    expect(r.hops).toEqual({ "web/a/80": 2, "web/b/80": 0 });
  });
  test("nodePort mode without its own node ports uses edgegate.yaml's exposure.nodePorts", () => {
    const r = run([klass("edge", ref), classConfig("  exposure: {mode: nodePort}\n"), gw("a", "edge")]);
    expect(r.ports).toEqual({ "web/a/80": 30080 });
  });
  test("a missing GatewayClassConfig: Accepted=False InvalidParameters, nothing of the class is served", () => {
    const r = run([klass("edge", ref), gw("a", "edge")]);
    expect(r.accepted("edge")).toBe("False InvalidParameters: parametersRef: GatewayClassConfig infra/edge not found");
    expect(r.ports).toEqual({});
  });
  test("a parametersRef without a namespace, or of a kind edgegate does not read: InvalidParameters", () => {
    expect(run([klass("edge", "{group: edgegate.io, kind: GatewayClassConfig, name: edge}")]).accepted("edge")).toBe(
      "False InvalidParameters: parametersRef to GatewayClassConfig edge: namespace is required (the kind is namespaced)",
    );
    expect(run([klass("edge", "{group: example.com, kind: Params, name: p, namespace: x}")]).accepted("edge")).toBe(
      "False InvalidParameters: parametersRef: example.com/Params is not a parameters kind edgegate reads (edgegate.io GatewayClassConfig or cilium.io CiliumGatewayClassConfig)",
    );
  });
  test("a malformed GatewayClassConfig is a validation problem naming the field", () => {
    const p = parseFile("c.yaml", classConfig('  exposure: {mode: nodeport, nodePorts: {"80": 99999}}\n  http: {xffNumTrustedHops: -1}\n')).problems.map(
      (x) => `${x.path}: ${x.message}`,
    );
    expect(p).toEqual([
      expect.stringContaining("spec.exposure.mode"),
      expect.stringContaining("spec.exposure.nodePorts.80: must be a port number 1-65535 (got 99999)"),
      expect.stringContaining("spec.http.xffNumTrustedHops"),
    ]);
  });
});

describe("CiliumGatewayClassConfig (cilium.io/v2alpha1)", () => {
  const ref = "{group: cilium.io, kind: CiliumGatewayClassConfig, name: cilium, namespace: kube-system}";
  const cilium = (service: string): string =>
    `apiVersion: cilium.io/v2alpha1\nkind: CiliumGatewayClassConfig\nmetadata: {name: cilium, namespace: kube-system}\nspec:\n  service: ${service}\n`;
  test("service.type NodePort -> the class's Gateways on edgegate.yaml's node ports; the rest is named as not applied", () => {
    const r = run([klass("cilium", ref), cilium("{type: NodePort, externalTrafficPolicy: Local, loadBalancerSourceRanges: [10.0.0.0/8]}"), gw("a", "cilium")]);
    expect(r.accepted("cilium")).toBe(
      "True Accepted: edgegate serves this GatewayClass; settings from CiliumGatewayClassConfig kube-system/cilium; not applied on a node (no Service is created): service.externalTrafficPolicy, service.loadBalancerSourceRanges",
    );
    expect(r.ports).toEqual({ "web/a/80": 30080 });
  });
  test("service.type LoadBalancer leaves the node's exposure", () => {
    const r = run([klass("cilium", ref), cilium("{type: LoadBalancer}"), gw("a", "cilium")]);
    expect(r.accepted("cilium")).toBe("True Accepted: edgegate serves this GatewayClass; settings from CiliumGatewayClassConfig kube-system/cilium");
    expect(r.ports).toEqual({ "web/a/80": 80 });
  });
});
