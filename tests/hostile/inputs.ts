// The hostile inputs: each one file's text, a thing a careless tool, a typo or an attacker produces.
// Every case is checked twice in hostile.test.ts: through `validate` (exact messages, kept in
// expected.json) and through file mode's store after a good version (what was in force stays).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface HostileInput {
  name: string;
  text: string | Uint8Array;
}

const gw = "apiVersion: gateway.networking.k8s.io/v1";
const svcHead = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";
const svc = (spec: string): string => `${svcHead}spec:\n${spec}`;
const withEndpoints = (v: string): string =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    edgegate.io/endpoints: ${JSON.stringify(v)}\nspec:\n  ports: [{port: 80}]\n`;
const route = (spec: string): string => `${gw}\nkind: HTTPRoute\nmetadata:\n  name: web\nspec:\n${spec}`;
const gateway = (listeners: string): string => `${gw}\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  gatewayClassName: edgegate\n  listeners:\n${listeners}`;
const cls = `${gw}\nkind: GatewayClass\nmetadata: {name: edgegate}\nspec: {controllerName: edgegate.io/gateway-controller}\n---\n`;
const okGateway = `${gateway("  - {name: http, port: 80, protocol: HTTP}\n")}---\n`;
const okService = `${svcHead}spec:\n  ports: [{port: 80}]\n---\n`;

export function pem(): { crt: string; key: string; otherKey: string } {
  const dir = mkdtempSync(join(tmpdir(), "edgegate-pem-"));
  try {
    const gen = (n: string): void =>
      void execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          join(dir, `${n}.key`),
          "-out",
          join(dir, `${n}.crt`),
          "-days",
          "2",
          "-subj",
          `/CN=${n}.example`,
        ],
        { stdio: "ignore" },
      );
    gen("a");
    gen("b");
    return { crt: readFileSync(join(dir, "a.crt"), "utf8"), key: readFileSync(join(dir, "a.key"), "utf8"), otherKey: readFileSync(join(dir, "b.key"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const indent = (s: string, n: number): string =>
  s
    .trimEnd()
    .split("\n")
    .map((l) => " ".repeat(n) + l)
    .join("\n");
const tlsSecret = (crt: string, key: string): string =>
  `apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: cert\nstringData:\n  tls.key: |\n${indent(key, 4)}\n  tls.crt: |\n${indent(crt, 4)}\n`;
const b64Secret = (crt: string, key: string): string =>
  `apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: cert\ndata:\n  tls.crt: ${Buffer.from(crt).toString("base64")}\n  tls.key: ${Buffer.from(key).toString("base64")}\n`;

export function hostileInputs(): HostileInput[] {
  const { crt, key, otherKey } = pem();
  const deepBlock = (n: number): string =>
    svcHead + "spec:\n  ports: [{port: 80}]\n  x:\n" + Array.from({ length: n }, (_, i) => " ".repeat(4 + i * 2) + "a:").join("\n") + " 1\n";
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    .concat(["b", "c", "d", "e", "f", "g", "h", "i"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`))
    .join("\n");
  const cases: HostileInput[] = [
    // YAML: duplicate keys, nesting, aliases, syntax, encodings
    { name: "dup-top-key", text: svc("  ports: [{port: 80}]\n") + "kind: Service\n" },
    { name: "dup-metadata-name", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  name: evil\nspec:\n  ports: [{port: 80}]\n" },
    { name: "dup-in-list-item", text: svc("  ports:\n  - port: 80\n    port: 81\n") },
    { name: "dup-quoted-and-plain", text: svc('  ports: [{port: 80}]\n  type: ClusterIP\n  "type": NodePort\n') },
    { name: "dup-flow-mapping", text: svc("  ports: [{port: 80, port: 81}]\n") },
    { name: "dup-after-list", text: svc("  ports:\n  - port: 80\n  ports:\n  - port: 81\n") },
    { name: "nesting-65-block", text: deepBlock(65) },
    { name: "nesting-3000-block", text: deepBlock(3000) },
    { name: "nesting-70-flow", text: svc("  ports: [{port: 80}]\n  x: " + "[".repeat(70) + "]".repeat(70) + "\n") },
    { name: "nesting-100k-flow", text: svc("  ports: [{port: 80}]\n  x: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n") },
    { name: "alias-bomb", text: bomb + "\n" },
    { name: "alias-undefined", text: svc("  ports: *nothing\n") },
    { name: "unterminated-quote", text: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: "web\nspec:\n  ports: [{port: 80}]\n' },
    { name: "unterminated-flow", text: svc("  ports: [{port: 80}\n") },
    { name: "tab-indentation", text: "apiVersion: v1\nkind: Service\nmetadata:\n\tname: web\n" },
    { name: "bad-indentation", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n bad: 1\n" },
    { name: "nul-byte", text: svc("  ports: [{port: 80}]\n").replace("web", "w\u0000eb") },
    { name: "utf8-bom", text: "\uFEFF" + svc("  ports: [{port: 80}]\n") },
    { name: "utf16-le", text: new Uint8Array([0xff, 0xfe, ...[...svc("  ports: [{port: 80}]\n")].flatMap((c) => [c.charCodeAt(0), 0])]) },
    { name: "invalid-utf8", text: new Uint8Array([...Buffer.from(svcHead), ...Buffer.from("spec:\n  ports: [{port: 80}]\n  type: "), 0xc3, 0x28, 0x0a]) },
    { name: "binary-junk", text: new Uint8Array(Array.from({ length: 512 }, (_, i) => (i * 7919) % 256)) },
    { name: "only-comments", text: "# nothing here\n# at all\n" },
    { name: "empty-file", text: "" },
    { name: "only-separators", text: "---\n---\n---\n" },
    { name: "blank-lines-documents", text: ("  \n".repeat(8) + "---\n").repeat(5) },
    { name: "ten-thousand-empty-documents", text: "---\n".repeat(10_000) },
    { name: "crlf-line-endings", text: okService.replace(/\n/g, "\r\n") },
    { name: "document-is-a-list", text: "- apiVersion: v1\n  kind: Service\n" },
    { name: "document-is-a-scalar", text: "just a string\n" },
    { name: "document-is-a-number", text: "42\n" },
    { name: "long-key", text: svc("  ports: [{port: 80}]\n") + "k".repeat(5000) + ": 1\n" },
    { name: "long-name-value", text: `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${"x".repeat(10_000)}\nspec:\n  ports: [{port: 80}]\n` },
    { name: "long-kind-value", text: `apiVersion: v1\nkind: ${"K".repeat(10_000)}\nmetadata:\n  name: web\n` },
    { name: "huge-string-type", text: svc(`  ports: [{port: 80}]\n  type: ${"N".repeat(50_000)}\n`) },
    {
      name: "many-keys-one-map",
      text: svc("  ports: [{port: 80}]\n") + "metadata2:\n" + Array.from({ length: 5000 }, (_, i) => `  k${i}: v`).join("\n") + "\n",
    },
    // Envelope and metadata
    { name: "kind-missing", text: "apiVersion: v1\nmetadata:\n  name: web\n" },
    { name: "kind-lowercase", text: "apiVersion: v1\nkind: service\nmetadata:\n  name: web\n" },
    { name: "kind-not-string", text: "apiVersion: v1\nkind: [Service]\nmetadata:\n  name: web\n" },
    { name: "apiversion-number", text: "apiVersion: 1\nkind: Service\nmetadata:\n  name: web\n" },
    { name: "metadata-null", text: "apiVersion: v1\nkind: Service\nmetadata:\n" },
    { name: "metadata-list", text: "apiVersion: v1\nkind: Service\nmetadata: [web]\n" },
    { name: "name-number", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: 42\nspec:\n  ports: [{port: 80}]\n" },
    { name: "name-uppercase", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: Web\nspec:\n  ports: [{port: 80}]\n" },
    { name: "name-path-traversal", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: ../../etc\nspec:\n  ports: [{port: 80}]\n" },
    { name: "namespace-invalid", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: Not_Valid\nspec:\n  ports: [{port: 80}]\n" },
    { name: "label-value-number", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {app: 1}\nspec:\n  ports: [{port: 80}]\n" },
    { name: "annotation-value-bool", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations: {a: true}\nspec:\n  ports: [{port: 80}]\n" },
    { name: "generation-negative", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  generation: -1\nspec:\n  ports: [{port: 80}]\n" },
    // Numbers and types
    { name: "port-zero", text: svc("  ports: [{port: 0}]\n") },
    { name: "port-too-big", text: svc("  ports: [{port: 65536}]\n") },
    { name: "port-float", text: svc("  ports: [{port: 80.5}]\n") },
    { name: "port-string", text: svc('  ports: [{port: "80"}]\n') },
    { name: "port-infinite", text: svc("  ports: [{port: .inf}]\n") },
    { name: "port-nan", text: svc("  ports: [{port: .nan}]\n") },
    { name: "port-exponent", text: svc("  ports: [{port: 1e400}]\n") },
    { name: "port-hex", text: svc("  ports: [{port: 0x50}]\n") },
    { name: "port-null", text: svc("  ports: [{port: null}]\n") },
    { name: "ports-not-list", text: svc("  ports: 80\n") },
    { name: "target-port-negative", text: svc("  ports: [{port: 80, targetPort: -1}]\n") },
    { name: "service-type-unknown", text: svc("  type: Magic\n  ports: [{port: 80}]\n") },
    { name: "spec-string", text: `${svcHead}spec: nothing\n` },
    // Secrets
    { name: "tls-key-not-pem", text: tlsSecret(crt, "not a key at all") },
    { name: "tls-key-mismatch", text: tlsSecret(crt, otherKey) },
    { name: "tls-crt-garbage-pem", text: tlsSecret("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", key) },
    { name: "tls-key-garbage-pem", text: tlsSecret(crt, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") },
    { name: "tls-key-encrypted", text: tlsSecret(crt, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n") },
    { name: "tls-key-missing", text: "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: cert\nstringData:\n  tls.crt: x\n" },
    {
      name: "tls-data-not-base64",
      text: "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: cert\ndata:\n  tls.crt: '!!!'\n  tls.key: '???'\n",
    },
    { name: "tls-base64-mismatch", text: b64Secret(crt, otherKey) },
    // edgegate.io/endpoints
    { name: "endpoints-bad-octet", text: withEndpoints("300.1.1.1:80") },
    { name: "endpoints-dns-and-ip", text: withEndpoints("web.local:8080, 127.0.0.1:80") },
    { name: "endpoints-empty", text: withEndpoints("") },
    { name: "endpoints-blank-entry", text: withEndpoints("10.0.0.1,,10.0.0.2") },
    { name: "endpoints-port-zero", text: withEndpoints("10.0.0.1:0") },
    { name: "endpoints-port-junk", text: withEndpoints("10.0.0.1:http") },
    { name: "endpoints-v6-unbracketed-port", text: withEndpoints("[2001:db8::1]80") },
    { name: "endpoints-two-names", text: withEndpoints("a.example, b.example") },
    { name: "endpoints-space-separated", text: withEndpoints("10.0.0.1 10.0.0.2") },
    { name: "endpoints-junk", text: withEndpoints("http://10.0.0.1/") },
    { name: "endpoints-long", text: withEndpoints("x".repeat(5000)) },
    // References and objects that will not serve
    {
      name: "route-parent-missing",
      text: cls + okGateway + okService + route("  parentRefs: [{name: nogw}]\n  rules: [{backendRefs: [{name: web, port: 80}]}]\n"),
    },
    {
      name: "route-section-missing",
      text: cls + okGateway + okService + route("  parentRefs: [{name: gw, sectionName: nosuch}]\n  rules: [{backendRefs: [{name: web, port: 80}]}]\n"),
    },
    {
      name: "route-port-missing",
      text: cls + okGateway + okService + route("  parentRefs: [{name: gw, port: 8443}]\n  rules: [{backendRefs: [{name: web, port: 80}]}]\n"),
    },
    { name: "listener-cert-missing", text: cls + gateway("  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: missing}]}}\n") },
    { name: "gateway-port-unavailable", text: cls + okGateway + gateway("  - {name: http, port: 80, protocol: HTTP}\n").replace("name: gw\n", "name: gw2\n") },
    { name: "gateway-class-missing", text: gateway("  - {name: http, port: 80, protocol: HTTP}\n") },
    { name: "backend-service-missing", text: cls + okGateway + route("  parentRefs: [{name: gw}]\n  rules: [{backendRefs: [{name: nothere, port: 80}]}]\n") },
    { name: "backend-port-missing", text: cls + okGateway + okService + route("  parentRefs: [{name: gw}]\n  rules: [{backendRefs: [{name: web}]}]\n") },
    {
      name: "backend-weight-negative",
      text: cls + okGateway + okService + route("  parentRefs: [{name: gw}]\n  rules: [{backendRefs: [{name: web, port: 80, weight: -1}]}]\n"),
    },
    {
      name: "route-path-no-slash",
      text:
        cls +
        okGateway +
        okService +
        route("  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: nope}}]\n    backendRefs: [{name: web, port: 80}]\n"),
    },
    {
      name: "route-hostname-invalid",
      text:
        cls + okGateway + okService + route("  parentRefs: [{name: gw}]\n  hostnames: ['-bad-.example']\n  rules: [{backendRefs: [{name: web, port: 80}]}]\n"),
    },
    {
      name: "route-2000-bad-rules",
      text: route(
        "  parentRefs: [{name: gw}]\n  rules:\n" +
          Array.from({ length: 2000 }, (_, i) => `  - matches: [{path: {type: PathPrefix, value: bad${i}}}]\n`).join(""),
      ),
    },
    {
      name: "route-timeout-junk",
      text:
        cls + okGateway + okService + route("  parentRefs: [{name: gw}]\n  rules: [{timeouts: {request: forever}, backendRefs: [{name: web, port: 80}]}]\n"),
    },
    { name: "object-defined-twice", text: okService + okService },
  ];
  return cases;
}
