// Target choice for the live gRPC mode (targets.ts): from the Gateway's spec, the way Envoy would
// pick a listener on the suite's port by :authority.
import { expect, test } from "bun:test";
import { targetFor, type GatewaySpec } from "./targets.ts";

const gw: GatewaySpec = {
  name: "g",
  namespace: "ns",
  listeners: [
    { name: "l1", port: 80, hostname: "bar.com" },
    { name: "l2", port: 80, hostname: "foo.bar.com" },
    { name: "l3", port: 80, hostname: "*.bar.com" },
    { name: "l4", port: 80, hostname: "*.foo.com" },
    { name: "other-port", port: 8080 },
  ],
};
const ref = { name: "g", namespace: "ns", port: 80, definedIn: "x", listener: "l3" };

test("an exact listener hostname is dialed by name; wildcards by listener with the authority overridden", () => {
  expect(targetFor(gw, ref, "bar.com")).toEqual({ listener: "bar.com" });
  expect(targetFor(gw, ref, "foo.bar.com")).toEqual({ listener: "foo.bar.com" });
  expect(targetFor(gw, ref, "a.b.bar.com")).toEqual({ listener: "l3.g.ns", authority: "a.b.bar.com" });
  expect(targetFor(gw, ref, "x.foo.com")).toEqual({ listener: "l4.g.ns", authority: "x.foo.com" });
});

test("an authority no listener on the port covers goes to the gateway ref's listener, unrouted", () => {
  expect(targetFor(gw, ref, "foo.com")).toEqual({ listener: "l3.g.ns", authority: "foo.com" });
  expect(targetFor(gw, ref, "bar.com.evil")).toEqual({ listener: "l3.g.ns", authority: "bar.com.evil" });
});

test("without an authority, the hostname-less listener of the port", () => {
  expect(targetFor(gw, { ...ref, port: 8080, listener: undefined }, undefined)).toEqual({ listener: "other-port.g.ns" });
});
