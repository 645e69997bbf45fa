// Each test cites the Envoy API reference rule it checks (the proto comments are the reference:
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto).
import { describe, expect, test } from "bun:test";
import { evaluateHttp } from "./evaluate.ts";
import { selectVirtualHost } from "./vhost.ts";
import { httpRender, req, to, vh } from "./fixtures.ts";

const rc = {
  virtualHosts: [
    vh("star", ["*"], []),
    vh("exact", ["www.foo.com"], []),
    vh("suffix-short", ["*.foo.com"], []),
    vh("suffix-long", ["*.bar.foo.com"], []),
    vh("dash", ["*-bar.baz.com"], []),
    vh("prefix", ["foo.*"], []),
  ],
};

describe("VirtualHost.domains", () => {
  test("'Domain search order: 1. Exact domain names' wins over wildcards", () => {
    expect(selectVirtualHost(rc, "www.foo.com")?.name).toBe("exact");
  });
  test("'2. Suffix domain wildcards' ... 'The longest wildcards match first.'", () => {
    expect(selectVirtualHost(rc, "a.bar.foo.com")?.name).toBe("suffix-long");
    expect(selectVirtualHost(rc, "a.foo.com")?.name).toBe("suffix-short");
  });
  test("'The wildcard will not match the empty string. e.g. *-bar.foo.com will match baz-bar.foo.com but not -bar.foo.com'", () => {
    expect(selectVirtualHost(rc, "baz-bar.baz.com")?.name).toBe("dash");
    expect(selectVirtualHost(rc, "-bar.baz.com")?.name).toBe("star");
    expect(selectVirtualHost({ virtualHosts: [vh("w", ["*.foo.com"], []), vh("s", ["*"], [])] }, "foo.com")?.name).toBe("s");
  });
  test("'3. Prefix domain wildcards: foo.* or foo-*' come after suffix wildcards, '4. Special wildcard *' last", () => {
    expect(selectVirtualHost(rc, "foo.org")?.name).toBe("prefix");
    expect(selectVirtualHost(rc, "unknown.example")?.name).toBe("star");
  });
  test("host matching is case-insensitive", () => {
    expect(selectVirtualHost(rc, "WWW.Foo.COM")?.name).toBe("exact");
  });
  test("HCM strip_any_host_port: 'Without setting this option, incoming requests with host example:443 will not match against route with domains match set to example'", () => {
    const r = httpRender([vh("ex", ["example.com"], [to("a")])]);
    expect(evaluateHttp(r, req("/", "example.com:8080")).kind).toBe("local");
    const stripped = httpRender([vh("ex", ["example.com"], [to("a")])], {}, { stripAnyHostPort: true });
    expect(evaluateHttp(stripped, req("/", "example.com:8080")).kind).toBe("upstream");
  });
  test("RouteConfiguration.ignore_port_in_host_matching: 'the port ... in the host header will be ignored' for domain matching", () => {
    expect(selectVirtualHost({ ignorePortInHostMatching: true, virtualHosts: [vh("ex", ["example.com"], [])] }, "example.com:8080")?.name).toBe("ex");
    expect(selectVirtualHost({ virtualHosts: [vh("ex", ["example.com:8080"], [])] }, "example.com:8080")?.name).toBe("ex");
  });
  test("no virtual host matches: the router answers 404 (NR)", () => {
    const o = evaluateHttp(httpRender([vh("ex", ["example.com"], [to("a")])]), req("/", "other.com"));
    expect(o.kind === "local" && o.status).toBe(404);
  });
});
