// Validation refuses what Envoy would refuse, with the usual FILE:LINE: Kind ns/name: field: message:
// regexes RE2 rejects or finds too large (checked with RE2 itself through the native shim), header
// names and values Envoy refuses in modifiers, redirects, rewrites and CORS, and Ingress paths.
// Also run through the compiled binary, where the shim is embedded, and with the shim missing.
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { prepare } from "../../src/cli/inputs.ts";
import { defaultConfig } from "../../src/config/types.ts";
import { formatProblem } from "../../src/validate/problems.ts";
import { re2 } from "../../src/re2/re2.ts";
import { RE2_MAX_PROGRAM_SIZE } from "../../src/validate/regex-limit.ts";

const dir = mkdtempSync(join(tmpdir(), "edgegate-envoy-rules-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function problems(name: string, yaml: string): Promise<string[]> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `${yaml}---\n${GATEWAY}`);
  return (await prepare([file], defaultConfig("test-node"))).problems.map((p) => formatProblem(p).replaceAll(`${dir}/`, ""));
}

// Routes attach to a served Gateway (else validate reports them as serving nothing); the parentRef
// comes after the rules and the Gateway after the route, so the expected line numbers stay put.
const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: edgegate}\nspec: {controllerName: edgegate.io/gateway-controller}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: edgegate\n  listeners: [{name: http, protocol: HTTP, port: 8080}]\n`;
const route = (rule: string) =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - ${rule}\n  parentRefs: [{name: gw}]\n`;
const pathRe = (re: string) => route(`matches:\n    - path: {type: RegularExpression, value: ${JSON.stringify(re)}}`);
const filter = (f: string) => route(`filters:\n    - ${f}`);
const ingress = (path: string, type: string) =>
  `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n  - http:\n      paths:\n      - {path: ${JSON.stringify(path)}, pathType: ${type}, backend: {service: {name: a, port: {number: 80}}}}\n`;
const F = "spec.rules[0].filters[0]";

const cases: Array<{ name: string; yaml: string; expect: string[] }> = [
  { name: "re-named-group-accepted", yaml: pathRe("/(?P<id>[0-9]+)/items"), expect: [] },
  {
    name: "re-backslash-Z",
    yaml: pathRe("/a\\Z"),
    expect: ["re-backslash-Z.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.value: invalid regular expression: invalid escape sequence: \\Z"],
  },
  {
    name: "re-repetition",
    yaml: route(`matches:\n    - headers: [{type: RegularExpression, name: x-a, value: "a{1001}"}]`),
    expect: [
      "re-repetition.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].headers[0].value: invalid regular expression: invalid repetition size: {1001}",
    ],
  },
  {
    name: "re-nested-repetition",
    yaml: route(`matches:\n    - queryParams: [{type: RegularExpression, name: q, value: "(a{100}){100}"}]`),
    expect: [
      "re-nested-repetition.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].queryParams[0].value: invalid regular expression: invalid repetition size: {100}",
    ],
  },
  {
    name: "re-too-large",
    yaml: pathRe("/[a-z]{600}/[0-9]{600}"),
    expect: [
      `re-too-large.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.value: regular expression too large: its RE2 program size is 1206, above edgegate's limit of ${RE2_MAX_PROGRAM_SIZE} (Envoy's re2.max_program_size.error_level); simplify it or split it across matches`,
    ],
  },
  {
    name: "re-empty",
    yaml: pathRe(""),
    expect: ["re-empty.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.value: must not be empty (Envoy requires a non-empty regex)"],
  },
  {
    name: "re-grpc-combined-too-large",
    yaml: `apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g}\nspec:\n  rules:\n  - matches:\n    - method: {type: RegularExpression, service: "[a-z]{600}", method: "[0-9]{600}"}\n`,
    expect: [
      `re-grpc-combined-too-large.yaml:7: GRPCRoute default/g: spec.rules[0].matches[0].method: regular expression too large: its RE2 program size is 1206, above edgegate's limit of ${RE2_MAX_PROGRAM_SIZE} (Envoy's re2.max_program_size.error_level); simplify it or split it across matches`,
    ],
  },
  {
    name: "re-ingress-cJ",
    yaml: ingress("/a\\cJ", "ImplementationSpecific"),
    expect: ["re-ingress-cJ.yaml:8: Ingress default/i: spec.rules[0].http.paths[0].path: invalid regular expression: invalid escape sequence: \\c"],
  },
  {
    name: "hdr-crlf-value",
    yaml: filter(
      `{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-a, value: "a\\r\\nInjected: 1"}], add: [{name: x-b, value: "b\\u0000"}]}}`,
    ),
    expect: [
      `hdr-crlf-value.yaml:7: HTTPRoute default/r: ${F}.requestHeaderModifier.set[0].value: must not contain CR, LF or NUL (found CR at character 2); Envoy refuses such header values`,
      `hdr-crlf-value.yaml:7: HTTPRoute default/r: ${F}.requestHeaderModifier.add[0].value: must not contain CR, LF or NUL (found NUL at character 2); Envoy refuses such header values`,
    ],
  },
  {
    name: "hdr-host",
    yaml: filter(`{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: Host, value: x}], remove: [host]}}`),
    expect: [
      `hdr-host.yaml:7: HTTPRoute default/r: ${F}.responseHeaderModifier.set[0].name: Envoy does not allow a route to modify the Host header (use a URLRewrite filter's hostname to rewrite it)`,
      `hdr-host.yaml:7: HTTPRoute default/r: ${F}.responseHeaderModifier.remove[0]: Envoy does not allow a route to remove the Host header`,
    ],
  },
  {
    name: "hdr-percent-accepted",
    yaml: filter(`{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-a, value: "50% %REQ(x)%"}]}}`),
    expect: [],
  },
  {
    name: "redirect-crlf",
    yaml: filter(`{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: "/a\\r\\nLocation: evil"}}}`),
    expect: [
      `redirect-crlf.yaml:7: HTTPRoute default/r: ${F}.requestRedirect.path.replaceFullPath: must not contain CR, LF or NUL (found CR at character 3); Envoy refuses such header values`,
    ],
  },
  {
    name: "rewrite-lf",
    yaml: filter(`{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: "/a\\nb"}}}`),
    expect: [
      `rewrite-lf.yaml:7: HTTPRoute default/r: ${F}.urlRewrite.path.replacePrefixMatch: must not contain CR, LF or NUL (found LF at character 3); Envoy refuses such header values`,
    ],
  },
  {
    name: "cors-bad",
    yaml: filter(`{type: CORS, cors: {allowOrigins: ["https://a\\r\\nb"], allowHeaders: ["bad header"], allowMethods: ["GE T"]}}`),
    expect: [
      `cors-bad.yaml:7: HTTPRoute default/r: ${F}.cors.allowOrigins[0]: must not contain CR, LF or NUL (found CR at character 10); Envoy refuses such header values`,
      `cors-bad.yaml:7: HTTPRoute default/r: ${F}.cors.allowMethods[0]: "GE T" is not a valid HTTP method`,
      `cors-bad.yaml:7: HTTPRoute default/r: ${F}.cors.allowHeaders[0]: "bad header" is not a valid HTTP header name`,
    ],
  },
  {
    name: "path-cr",
    yaml: route(`matches:\n    - path: {type: PathPrefix, value: "/a\\rb"}`),
    expect: [
      "path-cr.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.value: must not contain CR, LF or NUL (found CR at character 3); Envoy refuses such header values",
    ],
  },
  {
    name: "ingress-path-lf",
    yaml: ingress("/a\nb", "Exact"),
    expect: [
      "ingress-path-lf.yaml:8: Ingress default/i: spec.rules[0].http.paths[0].path: must not contain CR, LF or NUL (found LF at character 3); Envoy refuses such header values",
    ],
  },
  {
    name: "ingress-prefix-query",
    yaml: ingress("/a?b", "Prefix"),
    expect: [
      "ingress-prefix-query.yaml:8: Ingress default/i: spec.rules[0].http.paths[0].path: must not contain '?' or '#' when pathType is Prefix (Envoy matches the path without the query)",
    ],
  },
];

describe("validation refuses what Envoy would refuse", () => {
  for (const c of cases) {
    test(c.name, async () => {
      expect(await problems(c.name, c.yaml)).toEqual(c.expect);
    });
  }
});

describe("RE2 through the shim", () => {
  test("compiles like Envoy: errors as RE2 words them, program sizes", () => {
    const r = re2();
    if ("unavailable" in r) throw new Error(r.unavailable);
    expect(r.compile("(?P<id>x)")).toEqual({ ok: true, programSize: 7 });
    expect(r.compile("x\\Z")).toEqual({ ok: false, error: "invalid escape sequence: \\Z" });
    expect(r.rewriteError("^/(.*)$", "/p/\\1")).toBeUndefined();
    expect(r.rewriteError("^/.*$", "/p/\\1")).toContain("only has 0 parenthesized subexpressions");
    expect(r.partialMatch("^[a-z]+$", "abc")).toBe(true);
    expect(r.partialMatch("^[a-z]+$", "ab1")).toBe(false);
  });
});

describe("the compiled binary", () => {
  const bin = resolve(import.meta.dir, "../../dist/edgegate");
  const validate = (file: string, env: Record<string, string> = {}) =>
    spawnSync(bin, ["validate", file], { encoding: "utf8", env: { ...process.env, ...env }, cwd: dir });
  test("checks regexes with the embedded RE2 shim", () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh (it builds the binary) before the tests`);
    const file = join(dir, "bin-regex.yaml");
    writeFileSync(file, pathRe("/a\\Z") + "---\n" + pathRe("/(?P<id>[0-9]+)").replace("name: r", "name: ok") + "---\n" + GATEWAY);
    const r = validate(file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "bin-regex.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.value: invalid regular expression: invalid escape sequence: \\Z",
    );
    expect(r.stderr).not.toContain("HTTPRoute default/ok");
  });
  test("says loudly when RE2 cannot be loaded, and refuses the regex instead of passing it", () => {
    const file = join(dir, "bin-noshim.yaml");
    writeFileSync(file, pathRe("/(?P<id>[0-9]+)"));
    const r = validate(file, { EDGEGATE_RE2_SHIM: "/nonexistent/libedgegate-re2.so" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("bin-noshim.yaml:7: HTTPRoute default/r: spec.rules[0].matches[0].path.value: cannot be checked: RE2 cannot be loaded (");
    expect(r.stderr).toContain("install Debian package libre2-9");
  });
});
