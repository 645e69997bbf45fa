// A change that stops serving a listener, filter chain or route is named, with the problem behind it.
import { describe, expect, test } from "bun:test";
import { removalReason, removedServing, served } from "../../src/pipeline/removed.ts";
import type { Ir } from "../../src/ir/types.ts";

const ir = (routes: string[], chains: string[]): Ir =>
  ({
    listeners: [
      {
        name: "default/gw/443",
        address: "0.0.0.0",
        extraAddresses: [],
        port: 443,
        tls: chains.map((c) => ({ name: c, serverNames: [c], mode: "terminate", certificates: [] })),
        origins: [{ owner: { group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "default", name: "gw" }, section: "https" }],
      },
    ],
    routeConfigs: [
      {
        name: "rc",
        virtualHosts: [
          {
            name: "a.example",
            domains: ["a.example"],
            routes: routes.map((r) => ({
              name: `HTTPRoute/default/${r}/rule/0/match/0`,
              match: { path: { type: "Prefix", value: "/" } },
              action: { kind: "direct", status: 200 },
            })),
          },
        ],
      },
    ],
    clusters: [],
    secrets: [],
    apiListeners: [],
    datapath: { steering: [], policies: [], egress: [] },
  }) as unknown as Ir;

describe("removedServing", () => {
  test("names the route and the filter chain that went, and why", () => {
    const gone = removedServing(served(ir(["a", "b"], ["a.example", "b.example"])), served(ir(["a"], ["a.example"])));
    expect(gone.map((g) => `${g.what} ${g.name}`)).toEqual(["filter chain default/gw/443 b.example", "route HTTPRoute/default/b on a.example"]);
    const why = removalReason(gone[1]!, [
      {
        file: "r.yaml",
        line: 3,
        object: { kind: "HTTPRoute", namespace: "default", name: "b" },
        path: "spec.parentRefs[0]",
        message: "not Accepted (NoMatchingParent): no listener",
      },
    ]);
    expect(why).toBe("r.yaml:3: HTTPRoute default/b: spec.parentRefs[0]: not Accepted (NoMatchingParent): no listener");
    expect(removalReason(gone[0]!, [])).toBe("its objects were changed or removed in the inputs (no problem reported)");
  });

  test("a listener's owners are the objects that made it: an Ingress, a mesh route, a ListenerSet", () => {
    const listener = (name: string, origins: Ir["listeners"][number]["origins"]): Ir["listeners"][number] => ({
      name,
      address: "0.0.0.0",
      extraAddresses: [],
      port: 80,
      tls: [],
      origins,
    });
    const before: Ir = {
      ...ir([], []),
      listeners: [
        listener("ingress/80", [{ owner: { group: "networking.k8s.io", kind: "Ingress", namespace: "shop", name: "web" } }]),
        listener("mesh/default/api/8080", [{ owner: { group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "default", name: "api" } }]),
        listener("default/gw/80", [
          { owner: { group: "gateway.networking.k8s.io", kind: "ListenerSet", namespace: "default", name: "extra" }, section: "http" },
        ]),
      ],
    };
    const gone = removedServing(served(before), served({ ...before, listeners: [] }));
    expect(gone.map((g) => [g.name, g.owners])).toEqual([
      ["ingress/80", ["Ingress/shop/web"]],
      ["mesh/default/api/8080", ["HTTPRoute/default/api"]],
      ["default/gw/80", ["ListenerSet/default/extra"]],
    ]);
    const why = removalReason(gone[0]!, [
      { file: "/x/ing.yaml", line: 3, object: { kind: "Ingress", namespace: "shop", name: "web" }, path: "spec.rules[0].host", message: "bad host" },
    ]);
    expect(why).toBe("/x/ing.yaml:3: Ingress shop/web: spec.rules[0].host: bad host");
  });

  test("nothing removed, nothing named", () => {
    expect(removedServing(served(ir(["a"], ["a.example"])), served(ir(["a", "c"], ["a.example"])))).toEqual([]);
  });
});
