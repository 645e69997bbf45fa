// Rules from route_components.proto RouteMatch / HeaderMatcher / QueryParameterMatcher and
// type/matcher/v3/string.proto, quoted per test.
import { describe, expect, test } from "bun:test";
import { evaluateHttp } from "./evaluate.ts";
import { headerMatches, matchPath, queryParamMatches } from "./match.ts";
import { headerList } from "./headers.ts";
import { httpRender, req, to, vh } from "./fixtures.ts";

const routed = (o: ReturnType<typeof evaluateHttp>) =>
  o.kind === "upstream" ? o.choices.map((c) => c.cluster).join(",") : `${o.kind}:${o.kind === "local" ? o.status : ""}`;

describe("RouteMatch path specifiers", () => {
  test("prefix: 'the prefix must match the beginning of the :path header'; case_sensitive defaults to true", () => {
    expect(matchPath({ prefix: "/foo" }, "/foobar")).toBeDefined();
    expect(matchPath({ prefix: "/foo" }, "/FOO")).toBeUndefined();
    expect(matchPath({ prefix: "/foo", caseSensitive: false }, "/FOO")).toBeDefined();
  });
  test("path: 'the exact path ... must match the :path header once the query string is removed'", () => {
    expect(matchPath({ path: "/one" }, "/one?x=1")).toBeDefined();
    expect(matchPath({ path: "/one" }, "/one/")).toBeUndefined();
  });
  test("safe_regex: 'The entire path (without the query string) must match the regex. The rule will not match if only a subsequence of the :path header matches'", () => {
    expect(matchPath({ safeRegex: { regex: "/v[0-9]+/.*" } }, "/v2/x?q=1")).toBeDefined();
    expect(matchPath({ safeRegex: { regex: "v[0-9]+" } }, "/v2")).toBeUndefined();
  });
  test("path_separated_prefix: 'the prefix must match the path up to a / or the end; query and fragment are not considered'", () => {
    expect(matchPath({ pathSeparatedPrefix: "/foo" }, "/foo/bar")).toBeDefined();
    expect(matchPath({ pathSeparatedPrefix: "/foo" }, "/foo?x")).toBeDefined();
    expect(matchPath({ pathSeparatedPrefix: "/foo" }, "/foobar")).toBeUndefined();
  });
  test("VirtualHost.routes: 'The list of routes that will be matched, in order ... The first route that matches will be used.'", () => {
    const r = httpRender([vh("v", ["*"], [to("a", { prefix: "/" }), to("b", { prefix: "/b" })])]);
    expect(routed(evaluateHttp(r, req("/b")))).toBe("a");
  });
});

describe("HeaderMatcher", () => {
  const h = headerList([
    ["Version", "two"],
    ["Color", "blue"],
    ["Multi", "a"],
    ["multi", "b"],
  ]);
  test("string_match exact / prefix / suffix / contains / safe_regex (full match) and ignore_case", () => {
    expect(headerMatches({ name: "version", stringMatch: { exact: "two" } }, h)).toBe(true);
    expect(headerMatches({ name: "version", stringMatch: { exact: "TWO", ignoreCase: true } }, h)).toBe(true);
    expect(headerMatches({ name: "color", stringMatch: { prefix: "bl" } }, h)).toBe(true);
    expect(headerMatches({ name: "color", stringMatch: { suffix: "ue" } }, h)).toBe(true);
    expect(headerMatches({ name: "color", stringMatch: { contains: "lu" } }, h)).toBe(true);
    expect(headerMatches({ name: "color", stringMatch: { safeRegex: { regex: "bl" } } }, h)).toBe(false);
    expect(headerMatches({ name: "color", stringMatch: { safeRegex: { regex: "(red|blue)" } } }, h)).toBe(true);
  });
  test("'present_match: If specified as true ... whether the header is in the request. If specified as false ... whether the header is absent.'", () => {
    expect(headerMatches({ name: "color", presentMatch: true }, h)).toBe(true);
    expect(headerMatches({ name: "nope", presentMatch: false }, h)).toBe(true);
  });
  test("'invert_match: the match result will be inverted before checking', including for a missing header", () => {
    expect(headerMatches({ name: "color", stringMatch: { exact: "blue" }, invertMatch: true }, h)).toBe(false);
    expect(headerMatches({ name: "nope", stringMatch: { exact: "x" }, invertMatch: true }, h)).toBe(true);
  });
  test("'treat_missing_header_as_empty: if the header ... does not exist, this header value will be treated as empty'", () => {
    expect(headerMatches({ name: "nope", stringMatch: { exact: "" }, treatMissingHeaderAsEmpty: true }, h)).toBe(true);
    expect(headerMatches({ name: "nope", stringMatch: { exact: "" } }, h)).toBe(false);
  });
  test("repeated headers are matched as their values joined with ','", () => {
    expect(headerMatches({ name: "multi", stringMatch: { exact: "a,b" } }, h)).toBe(true);
  });
  test(":method is matched as a header (Gateway API method matching)", () => {
    const r = httpRender([vh("v", ["*"], [to("a", { prefix: "/", headers: [{ name: ":method", stringMatch: { exact: "POST" } }] }), to("b")])]);
    expect(routed(evaluateHttp(r, req("/", "x", {}, "POST")))).toBe("a");
    expect(routed(evaluateHttp(r, req("/", "x", {}, "GET")))).toBe("b");
  });
});

describe("QueryParameterMatcher", () => {
  test("'Specifies the name of a key that must be present in the requested path's query string'; the first value is compared, decoded", () => {
    expect(queryParamMatches({ name: "animal", stringMatch: { exact: "whale" } }, "/?animal=whale&animal=dolphin")).toBe(true);
    expect(queryParamMatches({ name: "animal", stringMatch: { exact: "dolphin" } }, "/?animal=whale&animal=dolphin")).toBe(false);
    expect(queryParamMatches({ name: "q", stringMatch: { exact: "a b" } }, "/?q=a%20b")).toBe(true);
    expect(queryParamMatches({ name: "q", presentMatch: true }, "/?x=1")).toBe(false);
  });
});
