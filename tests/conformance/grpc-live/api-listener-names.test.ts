// Which names a proxyless gRPC client can dial: "<listener>.<gateway>.<namespace>" for every
// listener with GRPCRoutes, plus every exact GRPCRoute hostname (a client matches virtual hosts
// against the name it dials, gRFC A27). The live conformance mode dials these names; this pins
// the rules it relies on, including who gets a hostname two Gateways claim.
import { expect, test } from "bun:test";
import { parseFile } from "../../../src/sources/files/parse.ts";
import { compile } from "../../../src/pipeline/compile.ts";
import { defaultConfig } from "../../../src/config/types.ts";

const gateway = (name: string, created: string, hostname?: string, port = 8080): string =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: ${name}, namespace: default, creationTimestamp: "${created}"}\nspec:\n  gatewayClassName: edgegate\n  listeners: [{name: grpc, protocol: HTTP, port: ${port}${hostname ? `, hostname: "${hostname}"` : ""}}]\n`;
const route = (name: string, gw: string, hostnames: string[]): string =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: ${name}, namespace: default}\nspec:\n  parentRefs: [{name: ${gw}}]\n  hostnames: ${JSON.stringify(hostnames)}\n  rules: [{backendRefs: [{name: svc, port: 9000}]}]\n`;

function apiListeners(docs: string[]): Record<string, string> {
  const text = [
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edgegate}\nspec: {controllerName: edgegate.io/gateway-controller}\n",
    "apiVersion: v1\nkind: Service\nmetadata: {name: svc, namespace: default}\nspec: {ports: [{port: 9000, appProtocol: kubernetes.io/h2c}]}\n",
    ...docs,
  ].join("---\n");
  const { ir } = compile({ objects: parseFile("in.yaml", text).objects, config: defaultConfig("t") });
  return Object.fromEntries(ir.apiListeners.map((a) => [a.name, a.routeConfig]));
}

test("exact route hostnames get an api listener; wildcards do not", () => {
  const got = apiListeners([gateway("gw", "2026-01-01T00:00:00Z"), route("r", "gw", ["a.example.com", "*.example.com"])]);
  expect(got).toEqual({ "grpc.gw.default": "default/gw/grpc/grpc", "a.example.com": "default/gw/grpc/grpc" });
});

test("a listener hostname stands for routes without hostnames", () => {
  const got = apiListeners([gateway("gw", "2026-01-01T00:00:00Z", "bar.com"), route("r", "gw", [])]);
  expect(got["bar.com"]).toBe("default/gw/grpc/grpc");
});

test("a hostname two Gateways claim belongs to the oldest", () => {
  // The newer Gateway sorts first by name, so only the age can decide; distinct ports, as two
  // Gateways on one address and port conflict (the newer is not programmed at all).
  const docs = [
    gateway("a-new", "2026-02-01T00:00:00Z", undefined, 8081),
    gateway("z-old", "2026-01-01T00:00:00Z"),
    route("r1", "a-new", ["x.example.com"]),
    route("r2", "z-old", ["x.example.com"]),
  ];
  const got = apiListeners(docs);
  expect(got["grpc.a-new.default"]).toBe("default/a-new/grpc/grpc");
  expect(got["x.example.com"]).toBe("default/z-old/grpc/grpc");
  expect(apiListeners(docs.reverse())["x.example.com"]).toBe("default/z-old/grpc/grpc");
});
