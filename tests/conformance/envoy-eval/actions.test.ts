// Route actions: RouteAction, RedirectAction, DirectResponseAction, header mutation (base.proto
// HeaderValueOption) and the CORS filter, quoted per test.
import { describe, expect, test } from "bun:test";
import { evaluateHttp } from "./evaluate.ts";
import { applyMutation, getAll, headerList } from "./headers.ts";
import { httpRender, req, vh } from "./fixtures.ts";
import type { Route } from "./types.ts";
import { TypeUrls } from "./types.ts";

const one = (route: Route, path = "/", headers: Record<string, string> = {}, method = "GET", authority = "example.com") =>
  evaluateHttp(httpRender([vh("v", ["*"], [route])]), req(path, authority, headers, method));

describe("RedirectAction", () => {
  const redirect = (r: Route["redirect"], path = "/p?q=1", authority = "example.com", match: Route["match"] = { prefix: "/" }) => {
    const o = one({ match, redirect: r }, path, {}, "GET", authority);
    if (o.kind !== "local") throw new Error(o.kind);
    return { status: o.status, location: getAll(o.headers, "location")[0] };
  };
  test("'response_code ... The default response code is MOVED_PERMANENTLY (301)'; SEE_OTHER=303, TEMPORARY_REDIRECT=307, PERMANENT_REDIRECT=308", () => {
    expect(redirect({ hostRedirect: "x.com" }).status).toBe(301);
    expect(redirect({ hostRedirect: "x.com", responseCode: "SEE_OTHER" }).status).toBe(303);
    expect(redirect({ hostRedirect: "x.com", responseCode: "TEMPORARY_REDIRECT" }).status).toBe(307);
    expect(redirect({ hostRedirect: "x.com", responseCode: "PERMANENT_REDIRECT" }).status).toBe(308);
  });
  test("'host_redirect: The host portion of the URL will be swapped with this value'; path and query are kept", () => {
    expect(redirect({ hostRedirect: "x.com" }).location).toBe("http://x.com/p?q=1");
  });
  test("'If the source URI scheme is http and the port is explicitly set to :80, the port will be removed after the redirection'", () => {
    expect(redirect({ schemeRedirect: "https" }, "/p", "example.com:80").location).toBe("https://example.com/p");
    expect(redirect({ schemeRedirect: "https" }, "/p", "example.com:8080").location).toBe("https://example.com:8080/p");
  });
  test("'port_redirect: The port value of the URL will be swapped with this value' (replacing the Host's port)", () => {
    expect(redirect({ portRedirect: 8083 }, "/p", "example.com:8080").location).toBe("http://example.com:8083/p");
  });
  test("path_redirect keeps the request's query unless it carries its own; prefix_rewrite replaces the matched prefix", () => {
    expect(redirect({ pathRedirect: "/new" }).location).toBe("http://example.com/new?q=1");
    expect(redirect({ prefixRewrite: "/new" }, "/old/x", "example.com", { prefix: "/old" }).location).toBe("http://example.com/new/x");
  });
});

describe("RouteAction", () => {
  test("'prefix_rewrite: Indicates that during forwarding, the matched prefix (or path) should be swapped with this value'", () => {
    const o = one({ match: { prefix: "/prefix/one" }, route: { cluster: "a", prefixRewrite: "/one" } }, "/prefix/one/two?x=1");
    expect(o.kind === "upstream" && o.choices[0]!.request.path).toBe("/one/two?x=1");
  });
  test("regex_rewrite: 'The pattern ^/service/([^/]+)(/.*)$ paired with a substitution string of \\2/instance/\\1 would transform /service/foo/v1/api into /v1/api/instance/foo'", () => {
    const o = one(
      { match: { prefix: "/" }, route: { cluster: "a", regexRewrite: { pattern: { regex: "^/service/([^/]+)(/.*)$" }, substitution: "\\2/instance/\\1" } } },
      "/service/foo/v1/api",
    );
    expect(o.kind === "upstream" && o.choices[0]!.request.path).toBe("/v1/api/instance/foo");
  });
  test("host_rewrite_literal: 'during forwarding, the host header will be swapped with this value'", () => {
    const o = one({ match: { prefix: "/" }, route: { cluster: "a", hostRewriteLiteral: "rewritten.example" } });
    expect(o.kind === "upstream" && o.choices[0]!.request.authority).toBe("rewritten.example");
  });
  test("weighted_clusters: 'the choice of an upstream cluster is determined by its weight'; weight 0 is never chosen", () => {
    const o = one({
      match: { prefix: "/" },
      route: {
        weightedClusters: {
          clusters: [
            { name: "a", weight: 70 },
            { name: "b", weight: 30 },
            { name: "c", weight: 0 },
          ],
        },
      },
    });
    expect(o.kind === "upstream" && o.choices.map((c) => [c.cluster, c.weight])).toEqual([
      ["a", 70],
      ["b", 30],
    ]);
  });
  test("cluster_not_found_response_code: 'The HTTP status code to use when configured cluster is not found. The default response code is 503'", () => {
    const o = one({ match: { prefix: "/" }, route: { cluster: "missing" } });
    expect(o.kind === "local" && o.status).toBe(503);
    const o2 = one({ match: { prefix: "/" }, route: { cluster: "missing", clusterNotFoundResponseCode: "INTERNAL_SERVER_ERROR" } });
    expect(o2.kind === "local" && o2.status).toBe(500);
  });
  test("timeout: 'If not specified, the default is 15s'; retry_policy and request_mirror_policies (runtime_fraction) are reported", () => {
    const o = one({
      match: { prefix: "/" },
      route: {
        cluster: "a",
        retryPolicy: { retryOn: "5xx", numRetries: 2 },
        requestMirrorPolicies: [{ cluster: "b", runtimeFraction: { defaultValue: { numerator: 20 } } }],
      },
    });
    if (o.kind !== "upstream") throw new Error(o.kind);
    expect(o.timeout).toBe("15s");
    expect(o.retryPolicy?.numRetries).toBe(2);
    expect(o.mirrors).toMatchObject([{ cluster: "b", percent: 20, clusterFound: true }]);
  });
});

describe("DirectResponseAction", () => {
  test("'status: Specifies the HTTP response status to be returned' with the inline body", () => {
    const o = one({ match: { prefix: "/" }, directResponse: { status: 500, body: { inlineString: "no backend" } } });
    expect(o.kind === "local" && [o.status, o.body]).toEqual([500, "no backend"]);
  });
});

describe("HeaderValueOption", () => {
  test("headers_to_remove run before headers_to_add; APPEND_IF_EXISTS_OR_ADD adds a value, OVERWRITE_IF_EXISTS_OR_ADD replaces, ADD_IF_ABSENT only adds when absent", () => {
    const h = headerList({ "x-add": "orig", "x-set": "orig", "x-rm": "v", "x-keep": "orig" });
    const out = applyMutation(h, {
      level: "route",
      remove: ["x-rm"],
      add: [
        { header: { key: "x-add", value: "added" } },
        { header: { key: "x-set", value: "new" }, appendAction: "OVERWRITE_IF_EXISTS_OR_ADD" },
        { header: { key: "x-keep", value: "new" }, appendAction: "ADD_IF_ABSENT" },
        { header: { key: "x-rm", value: "re-added" } },
      ],
    });
    expect(getAll(out, "x-add")).toEqual(["orig", "added"]);
    expect(getAll(out, "x-set")).toEqual(["new"]);
    expect(getAll(out, "x-keep")).toEqual(["orig"]);
    expect(getAll(out, "x-rm")).toEqual(["re-added"]);
  });
  test("most_specific_header_mutations_wins unset: 'the order is from most specific (i.e. route entry level) to least specific ... Later header mutations may override earlier mutations'", () => {
    const r = httpRender([
      {
        name: "v",
        domains: ["*"],
        requestHeadersToAdd: [{ header: { key: "x", value: "vhost" }, appendAction: "OVERWRITE_IF_EXISTS_OR_ADD" }],
        routes: [
          {
            match: { prefix: "/" },
            route: { cluster: "a" },
            requestHeadersToAdd: [{ header: { key: "x", value: "route" }, appendAction: "OVERWRITE_IF_EXISTS_OR_ADD" }],
          },
        ],
      },
    ]);
    const o = evaluateHttp(r, req("/"));
    expect(o.kind === "upstream" && getAll(o.choices[0]!.request.headers, "x")).toEqual(["vhost"]);
  });
  test("weighted cluster request_headers_to_add apply only when that cluster is chosen", () => {
    const o = one({
      match: { prefix: "/" },
      route: {
        weightedClusters: {
          clusters: [
            { name: "a", weight: 1, requestHeadersToAdd: [{ header: { key: "x-b", value: "a" } }] },
            { name: "b", weight: 1 },
          ],
        },
      },
    });
    if (o.kind !== "upstream") throw new Error(o.kind);
    expect(getAll(o.choices[0]!.request.headers, "x-b")).toEqual(["a"]);
    expect(getAll(o.choices[1]!.request.headers, "x-b")).toEqual([]);
  });
});

describe("CORS filter (cors.proto CorsPolicy in typed_per_filter_config)", () => {
  const policy = {
    "@type": TypeUrls.cors,
    allowOriginStringMatch: [{ exact: "https://www.foo.com" }, { suffix: ".bar.com" }],
    allowMethods: "GET, OPTIONS",
    allowHeaders: "x-header-1, x-header-2",
    exposeHeaders: "x-header-3",
    maxAge: "3600",
    allowCredentials: true,
  };
  const route: Route = { match: { prefix: "/" }, route: { cluster: "a" }, typedPerFilterConfig: { "envoy.filters.http.cors": policy } };
  test("a preflight (OPTIONS + Origin + Access-Control-Request-Method) from an allowed origin is answered by Envoy with the policy's headers", () => {
    const o = one(route, "/", { origin: "https://www.foo.com", "access-control-request-method": "GET" }, "OPTIONS");
    if (o.kind !== "local") throw new Error(o.kind);
    expect(o.status).toBe(200);
    expect(Object.fromEntries(o.headers)).toMatchObject({
      "access-control-allow-origin": "https://www.foo.com",
      "access-control-allow-methods": "GET, OPTIONS",
      "access-control-allow-headers": "x-header-1, x-header-2",
      "access-control-max-age": "3600",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "x-header-3",
    });
  });
  test("forward_not_matching_preflights (default true): a preflight from a disallowed origin goes upstream", () => {
    expect(one(route, "/", { origin: "https://evil.com", "access-control-request-method": "GET" }, "OPTIONS").kind).toBe("upstream");
  });
  test("a simple CORS request from an allowed origin gets allow-origin and expose-headers on the response", () => {
    const o = one(route, "/", { origin: "https://a.bar.com" });
    expect(o.kind === "upstream" && Object.fromEntries(o.corsResponseHeaders)).toMatchObject({
      "access-control-allow-origin": "https://a.bar.com",
      "access-control-expose-headers": "x-header-3",
    });
  });
});
