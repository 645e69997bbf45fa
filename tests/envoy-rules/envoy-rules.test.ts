// Everything edgegate emits, checked as Envoy would check it when loading: the protoc-gen-validate
// rules declared in Envoy's own .proto files (read from the generated descriptors, every message,
// inside every Any) and Envoy's load-time checks (envoy-load.ts), over every conformance manifest
// file, every example in config/ and a generated corpus of hostile inputs. The checker itself is
// tested first on resources that break each rule, so a pass means something.
import { beforeAll, describe, expect, test } from "bun:test";
import { create, type Registry } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { ListenerSchema } from "../../src/gen/envoy/config/listener/v3/listener_pb.ts";
import { RouteConfigurationSchema } from "../../src/gen/envoy/config/route/v3/route_pb.ts";
import { ClusterSchema } from "../../src/gen/envoy/config/cluster/v3/cluster_pb.ts";
import { ClusterLoadAssignmentSchema } from "../../src/gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { HttpConnectionManagerSchema } from "../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.ts";
import { RouterSchema } from "../../src/gen/envoy/extensions/filters/http/router/v3/router_pb.ts";
import { CorsSchema } from "../../src/gen/envoy/extensions/filters/http/cors/v3/cors_pb.ts";
import { buildBootstrap } from "../../src/envoy/bootstrap.ts";
import { compile } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { re2 as loadRe2, type Re2 } from "../../src/re2/re2.ts";
import { RE2_MAX_PROGRAM_SIZE } from "../../src/validate/regex-limit.ts";
import type { XdsResources } from "../../src/xds/resources.ts";
import { generatedRegistry } from "./registry.ts";
import { checkBootstrap, checkXds } from "./check.ts";
import { conformanceSets, exampleSets, fromTexts, goldenSets, meshSets, type InputSet } from "./corpus.ts";
import { generateSet } from "./generate.ts";
import { certificates } from "../conformance/harness/certs.ts";

const CONTROLLER = "edgegate.io/gateway-controller";
const GENERATED_SETS = 200;

/**
 * Findings another engineer is fixing: reported loudly, and each must still occur (a stale entry
 * fails), so none becomes a silent pass. Remove an entry when its fix lands.
 */
const KNOWN: ReadonlyArray<{ pattern: RegExp; why: string }> = [];

let registry: Registry;
let re2: Re2;
beforeAll(async () => {
  registry = (await generatedRegistry()).registry;
  const r = loadRe2();
  if ("unavailable" in r) throw new Error(r.unavailable);
  re2 = r;
});

const empty = (): XdsResources => ({ listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] });
const hcm = (over: Record<string, unknown> = {}) =>
  anyPack(
    HttpConnectionManagerSchema,
    create(HttpConnectionManagerSchema, {
      statPrefix: "s",
      routeSpecifier: { case: "rds", value: { routeConfigName: "rc", configSource: { configSourceSpecifier: { case: "ads", value: {} } } } },
      httpFilters: [{ name: "envoy.filters.http.router", configType: { case: "typedConfig", value: anyPack(RouterSchema, create(RouterSchema)) } }],
      ...over,
    }),
  );
const listener = (name: string, port: number, chains: unknown[], listenerFilters: unknown[] = []) =>
  create(ListenerSchema, {
    name,
    address: { address: { case: "socketAddress", value: { address: "0.0.0.0", portSpecifier: { case: "portValue", value: port } } } },
    filterChains: chains as never,
    listenerFilters: listenerFilters as never,
  });
const chain = (typed = hcm(), match: Record<string, unknown> | undefined = undefined) => ({
  filterChainMatch: match,
  filters: [{ name: "hcm", configType: { case: "typedConfig", value: typed } }],
});
const rc = (vhosts: unknown[]) => create(RouteConfigurationSchema, { name: "rc", virtualHosts: vhosts as never });
const vh = (name: string, domains: string[], routes: unknown[] = []) => ({ name, domains, routes });
const fwd = (cluster: string, extra: Record<string, unknown> = {}) => ({
  match: { pathSpecifier: { case: "prefix", value: "/" } },
  action: { case: "route", value: { clusterSpecifier: { case: "cluster", value: cluster } } },
  ...extra,
});
const cluster = (name: string) => create(ClusterSchema, { name, clusterDiscoveryType: { case: "type", value: 0 }, connectTimeout: { seconds: 1n } });

function run(x: Partial<XdsResources>): string[] {
  return checkXds({ ...empty(), ...x }, registry, re2).violations;
}

describe("the checker finds what Envoy would refuse", () => {
  test("a valid listener, route configuration and cluster pass", () => {
    expect(run({ listeners: [listener("l", 80, [chain()])], routes: [rc([vh("v", ["a.example"], [fwd("c")])])], clusters: [cluster("c")] })).toEqual([]);
  });
  test("PGV min_len inside an Any (HCM stat_prefix)", () => {
    expect(run({ listeners: [listener("l", 80, [chain(hcm({ statPrefix: "" }))])], routes: [rc([])] })).toEqual([
      'listeners[0](l).filter_chains[0].filters[0].typed_config<envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager>.stat_prefix: must be at least 1 characters (got "")',
    ]);
  });
  test("PGV repeated min_items, well-known header value regex, numeric and duration ranges, oneof required", () => {
    const v = run({
      routes: [
        rc([
          vh("v", [], [fwd("c", { requestHeadersToAdd: [{ header: { key: "x-a", value: "a\r\nb" } }] }), { match: {}, action: { case: "route", value: {} } }]),
        ]),
      ],
      clusters: [create(ClusterSchema, { name: "c", connectTimeout: { seconds: 0n }, perConnectionBufferLimitBytes: 5 })],
    });
    expect(v).toContain("routes[0](rc).virtual_hosts[0].domains: must have at least 1 items (has 0)");
    expect(v).toContain(
      'routes[0](rc).virtual_hosts[0].routes[0].request_headers_to_add[0].header.value: "a\\r\\nb" is not a valid HTTP header value (PGV well_known_regex)',
    );
    expect(v).toContain("routes[0](rc).virtual_hosts[0].routes[1].match.path_specifier: exactly one field of this oneof is required (validate.required)");
    expect(v).toContain("routes[0](rc).virtual_hosts[0].routes[1].route.cluster_specifier: exactly one field of this oneof is required (validate.required)");
    expect(v).toContain("clusters[0](c).connect_timeout: must be > 0ns (got 0ns)");
  });
  test("RE2: syntax, program size above the bootstrap's limit, rewrite strings", () => {
    const big = "/[a-z]{600}/[0-9]{600}"; // RE2 program size 1,206
    const re = (regex: string) => ({
      match: { pathSpecifier: { case: "safeRegex", value: { regex } } },
      action: {
        case: "route",
        value: { clusterSpecifier: { case: "cluster", value: "c" }, regexRewrite: { pattern: { regex: "^/.*$" }, substitution: "/x\\1" } },
      },
    });
    const v = run({ routes: [rc([vh("v", ["a"], [re("\\Z"), re(big)])])], clusters: [cluster("c")] });
    expect(v[0]).toBe("routes[0](rc).virtual_hosts[0].routes[0].match.safe_regex.regex: RE2 refuses it: invalid escape sequence: \\Z");
    expect(v).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^routes\\[0\\]\\(rc\\)\\.virtual_hosts\\[0\\]\\.routes\\[1\\]\\.match\\.safe_regex\\.regex: RE2 program size \\d+ > re2\\.max_program_size\\.error_level ${RE2_MAX_PROGRAM_SIZE}$`,
        ),
      ),
    );
    expect(v.filter((l) => l.includes("regex_rewrite.substitution: not a valid RE2 rewrite string")).length).toBe(2);
  });
  test("Envoy's HeaderParser: Host and pseudo-headers, unescaped %", () => {
    const v = run({
      routes: [rc([vh("v", ["a"], [fwd("c", { requestHeadersToAdd: [{ header: { key: "Host", value: "50%" } }], requestHeadersToRemove: [":path"] })])])],
      clusters: [cluster("c")],
    });
    expect(v).toEqual([
      'routes[0](rc).virtual_hosts[0].routes[0].request_headers_to_add[0].header.key: Envoy refuses to add "Host" (:-prefixed or host headers may not be modified)',
      'routes[0](rc).virtual_hosts[0].routes[0].request_headers_to_add[0].header.value: "50%" has an unescaped % (Envoy parses header values as format strings)',
      'routes[0](rc).virtual_hosts[0].routes[0].request_headers_to_remove[0]: Envoy refuses to remove ":path" (:-prefixed or host headers may not be removed)',
    ]);
  });
  test("Any that the descriptors cannot unpack", () => {
    const bad = { typeUrl: "type.googleapis.com/no.such.Type", value: new Uint8Array() };
    expect(run({ listeners: [listener("l", 80, [chain(bad as never)])] })).toContain(
      "listeners[0](l).filter_chains[0].filters[0].typed_config: Any of type type.googleapis.com/no.such.Type cannot be unpacked with the generated descriptors",
    );
  });
  test("load-time: router last and once, unique domains and filter-chain matches, references, TLS inspector, names", () => {
    const cors = { name: "envoy.filters.http.cors", configType: { case: "typedConfig", value: anyPack(CorsSchema, create(CorsSchema)) } };
    const router = { name: "envoy.filters.http.router", configType: { case: "typedConfig", value: anyPack(RouterSchema, create(RouterSchema)) } };
    const v = run({
      listeners: [
        listener("l", 80, [chain(hcm({ httpFilters: [router, cors] }))]),
        listener("m", 80, [
          chain(
            hcm({
              routeSpecifier: { case: "rds", value: { routeConfigName: "missing", configSource: { configSourceSpecifier: { case: "ads", value: {} } } } },
            }),
            { serverNames: ["a.example", "b.example"] },
          ),
          chain(hcm(), { serverNames: ["b.example"] }),
        ]),
        listener("l", 81, [chain(hcm({ httpFilters: [] }))]),
      ],
      routes: [rc([vh("v", ["a.example", "*"], [fwd("nope")]), vh("w", ["A.example"])])],
    });
    expect(v).toEqual([
      'listeners: resource name "l" is used more than once',
      "listeners[0](l).filter_chains[0].filters[0].http_filters: the router filter must be the last HTTP filter",
      "listeners[1](m): duplicate address 0:0.0.0.0:80 (also listener l)",
      'listeners[1](m).filter_chains[0].filters[0].rds.route_config_name: RouteConfiguration "missing" does not exist',
      'listeners[1](m).filter_chains[1]: has the same matching rules as filter_chains[0] (["","","b.example","","","",0,"",""])',
      "listeners[1](m).listener_filters: filter chains match on SNI/TLS but the TLS inspector is missing",
      "listeners[2](l).filter_chains[0].filters[0].http_filters: the router filter must appear exactly once (found 0)",
      'routes[0](rc).virtual_hosts(v).routes[0].route.cluster: cluster "nope" does not exist',
      'routes[0](rc).virtual_hosts(w).domains: domain "A.example" is also in virtual host v',
    ]);
  });
});

describe("user text reaches Envoy literally", () => {
  test("a % in a header value is escaped for Envoy's formatter, a backslash in a rewrite for RE2", () => {
    const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: edgegate}
spec: {controllerName: ${CONTROLLER}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec: {gatewayClassName: edgegate, listeners: [{name: http, port: 8080, protocol: HTTP}]}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: default, annotations: {edgegate.io/endpoints: "192.0.2.1:8080"}}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - filters:
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-discount, value: "50% %REQ(x)%"}]}}
    - {type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: '/a\\1\\b'}}}
    backendRefs: [{name: a, port: 80}]
`;
    const set = fromTexts("literal", [{ file: "literal.yaml", text: yaml }]);
    expect(set.problems).toBe(0);
    const route = compile({ objects: set.objects, config: defaultConfig("node-1") }).xds.routes[0]!.virtualHosts[0]!.routes[0]!;
    expect(route.requestHeadersToAdd.map((h) => h.header?.value)).toEqual(["50%% %%REQ(x)%%"]);
    const action = route.action.case === "route" ? route.action.value : undefined;
    expect(action?.regexRewrite?.substitution).toBe("/a\\\\1\\\\b");
    expect(re2.rewriteError(action!.regexRewrite!.pattern!.regex, action!.regexRewrite!.substitution)).toBeUndefined();
  });
});

describe("the checker: clusters and endpoints", () => {
  test("a LOGICAL_DNS cluster with two endpoints, a hostname in EDS, an EDS cluster without endpoints, no filter chains", () => {
    const ep = (address: string) => ({
      hostIdentifier: {
        case: "endpoint",
        value: { address: { address: { case: "socketAddress", value: { address, portSpecifier: { case: "portValue", value: 80 } } } } },
      },
    });
    const dns = create(ClusterSchema, {
      name: "dns",
      clusterDiscoveryType: { case: "type", value: 2 },
      connectTimeout: { seconds: 1n },
      loadAssignment: { clusterName: "dns", endpoints: [{ lbEndpoints: [ep("a.example"), ep("b.example")] as never }] },
    });
    const eds = create(ClusterSchema, {
      name: "eds",
      clusterDiscoveryType: { case: "type", value: 3 },
      connectTimeout: { seconds: 1n },
      edsClusterConfig: { edsConfig: { configSourceSpecifier: { case: "ads", value: {} } } },
    });
    const cla = create(ClusterLoadAssignmentSchema, { clusterName: "other", endpoints: [{ lbEndpoints: [ep("web.local")] as never }] });
    expect(run({ clusters: [dns, eds], endpoints: [cla], listeners: [listener("l", 80, [])] })).toEqual([
      "listeners[0](l): no filter chains specified",
      'endpoints[0](other).endpoints[0].lb_endpoints[0]: "web.local" is not an IP address',
      "clusters[0](dns): a LOGICAL_DNS cluster must have exactly one endpoint",
      'clusters[1](eds): EDS cluster without a ClusterLoadAssignment named "eds"',
    ]);
  });
});

function assertClean(sets: readonly InputSet[], known: Map<RegExp, number>): { messages: number; anys: number; objects: number; applied: Map<string, number> } {
  const unexpected: string[] = [];
  let messages = 0;
  let anys = 0;
  let objects = 0;
  const applied = new Map<string, number>();
  for (const s of sets) {
    const res = compile({ objects: s.objects, config: defaultConfig("node-1") });
    const c = checkXds(res.xds, registry, re2);
    // The emitter leaves out only listeners with nothing to serve (Envoy refuses them); never one
    // that carries HTTP, TLS, TCP or UDP.
    const emitted = new Set(res.xds.listeners.map((l) => l.name));
    for (const l of res.ir.listeners)
      if (!emitted.has(l.name) && (l.http || l.tls.length > 0 || l.tcp || l.udp))
        unexpected.push(`${s.name}: listener ${l.name} serves something but was not emitted`);
    messages += c.checker.messages;
    anys += c.checker.anys;
    objects += s.objects.length;
    for (const [k, n] of c.checker.applied) applied.set(k, (applied.get(k) ?? 0) + n);
    for (const v of c.violations) {
      const k = KNOWN.find((e) => e.pattern.test(v));
      if (k) known.set(k.pattern, (known.get(k.pattern) ?? 0) + 1);
      else unexpected.push(`${s.name}: ${v}`);
    }
  }
  expect(unexpected).toEqual([]);
  return { messages, anys, objects, applied };
}

describe("every resource edgegate emits passes", () => {
  const known = new Map<RegExp, number>();
  test("every example in config/", async () => {
    const sets = await exampleSets();
    expect(sets.length).toBeGreaterThan(0);
    const r = assertClean(sets, known);
    expect(r.objects).toBeGreaterThan(5);
  });
  test("every Gateway API v1.6.1 conformance manifest file", () => {
    const sets = conformanceSets(CONTROLLER);
    expect(sets.length).toBeGreaterThanOrEqual(100);
    const r = assertClean(sets, known);
    console.log(`conformance: ${sets.length} manifest sets, ${r.objects} objects, ${r.messages} messages and ${r.anys} Anys checked`);
  }, 60_000);
  test("every GAMMA (mesh) conformance manifest file and every golden test input", () => {
    const mesh = meshSets();
    const golden = goldenSets();
    expect(mesh.length).toBeGreaterThanOrEqual(15);
    expect(golden.length).toBeGreaterThanOrEqual(20);
    assertClean([...mesh, ...golden], known);
  }, 60_000);
  test(`a generated corpus of ${GENERATED_SETS} hostile input sets (what validation lets through)`, () => {
    const pem = Object.values(certificates().secrets)[0]!;
    // Half the sets with HTTPS and TLS passthrough listeners (SNI chains, SDS, TLSRoutes).
    const sets = Array.from({ length: GENERATED_SETS }, (_, i) => fromTexts(`generated seed ${i + 1}`, generateSet(i + 1, i % 2 === 0 ? pem : undefined)));
    const r = assertClean(sets, known);
    // Validation refused a good share of the corpus (it is hostile) and let a good share through.
    const problems = sets.reduce((n, s) => n + s.problems, 0);
    console.log(`generated: ${sets.length} sets, ${r.objects} objects accepted, ${problems} problems reported, ${r.messages} messages checked`);
    expect(problems).toBeGreaterThan(GENERATED_SETS);
    expect(r.objects).toBeGreaterThan(GENERATED_SETS * 5);
    // The checker really applied the kinds of rules Envoy's protos declare on what edgegate emits.
    for (const rule of ["string", "string.pattern", "string.well_known_regex", "number", "enum", "repeated", "map", "duration", "oneof.required"])
      expect(r.applied.get(rule) ?? 0).toBeGreaterThan(0);
  }, 60_000);
  test("known findings still occur (remove an entry from KNOWN when its fix lands)", () => {
    for (const k of KNOWN) {
      const n = known.get(k.pattern) ?? 0;
      if (n > 0) console.warn(`!!! KNOWN FINDING (${n} resources): ${k.why} !!!`);
      // Failing here means the finding is fixed: remove its entry from KNOWN in this file.
      expect({ finding: k.why, stillOccurs: n > 0 }).toEqual({ finding: k.why, stillOccurs: true });
    }
  });
});

describe("the bootstrap", () => {
  test("passes the PGV rules and Envoy's load-time checks, both ADS flavours and admin kinds", () => {
    for (const [xdsProtocol, adminAddress] of [
      ["delta", { kind: "tcp", host: "127.0.0.1", port: 9901 }],
      ["sotw", { kind: "unix", path: "/run/edgegate/admin.sock" }],
    ] as const) {
      const c = defaultConfig("node-1");
      c.envoy.xdsProtocol = xdsProtocol;
      c.envoy.adminAddress = adminAddress;
      const r = checkBootstrap(buildBootstrap(c), registry, re2);
      expect(r.violations).toEqual([]);
      expect(r.checker.anys).toBeGreaterThanOrEqual(2);
    }
  });
  test("its static runtime layer sets RE2's program-size limits to the limit validation enforces", () => {
    const layer = buildBootstrap(defaultConfig("node-1")).layeredRuntime?.layers.find((l) => l.name === "edgegate-static");
    expect(layer?.layerSpecifier).toEqual({
      case: "staticLayer",
      value: { "re2.max_program_size.error_level": RE2_MAX_PROGRAM_SIZE, "re2.max_program_size.warn_level": RE2_MAX_PROGRAM_SIZE },
    });
  });
});
