// Table-driven Go tests whose status assertions cases.json keeps as loop expressions
// ("tc.gatewayNamespacedName", "<policyNN (range var over ...)>"): the rows, transcribed by hand
// from the Go sources at conformance/v1.6.1, so each assertion is checked once per row.
import type { StatusAssertionJson } from "./suite.ts";

const NS = "gateway-conformance-infra";
type Row = Record<string, unknown>;

const accepted = (reason: string) => [`ResolvedRefs=False (reason ${reason})`, "Accepted=False (reason NoValidCACertificate)", "Programmed=False"];

export const TABLES: Record<string, { source: string; rows: Row[] }> = {
  // gateway-invalid-tls-configuration.go:58-78
  GatewayInvalidTLSConfiguration: {
    source: "gateway-invalid-tls-configuration.go:58",
    rows: ["nonexistent-secret", "unsupported-group", "unsupported-kind", "malformed-secret"].map((x) => ({
      "tc.gatewayNamespacedName": `${NS}/gateway-certificate-${x}`,
    })),
  },
  // gateway-invalid-tls-backend-configuration.go:47-77
  GatewayInvalidTLSBackendConfiguration: {
    source: "gateway-invalid-tls-backend-configuration.go:47",
    rows: [
      ...["nonexistent-secret", "unsupported-group", "unsupported-kind", "malformed-secret"].map((x) => ({
        "tc.gatewayNamespacedName": `${NS}/gateway-client-certificate-${x}`,
        "tc.resolveRefsReason": "InvalidClientCertificateRef",
      })),
      { "tc.gatewayNamespacedName": `${NS}/gateway-client-certificate-missing-reference-grant`, "tc.resolveRefsReason": "RefNotPermitted" },
    ],
  },
  // gateway-with-invalid-clientcertificate-validation.go:51-140
  GatewayInvalidFrontendClientCertificateValidation: {
    source: "gateway-with-invalid-clientcertificate-validation.go:51",
    rows: [
      { "tc.lName": "https", "tc.expectedConditions": ["ResolvedRefs=True", "Accepted=True", "Programmed=True"] },
      { "tc.lName": "https-unresolved", "tc.expectedConditions": accepted("InvalidCACertificateRef") },
      { "tc.lName": "https-invalid-kind", "tc.expectedConditions": accepted("InvalidCACertificateKind") },
      { "tc.lName": "https-grant-missing", "tc.expectedConditions": accepted("RefNotPermitted") },
    ],
  },
  // backendtlspolicy-invalid-ca-certificate-ref.go:56-59
  BackendTLSPolicyInvalidCACertificateRef: {
    source: "backendtlspolicy-invalid-ca-certificate-ref.go:56",
    rows: [{ policyNN: `${NS}/nonexistent-ca-certificate-ref` }, { policyNN: `${NS}/malformed-ca-certificate-ref` }],
  },
};

/** The variable an argument stands for: "tc.x" itself, or "<policyNN (range var over ...)>". */
function variableOf(arg: unknown, row: Row): string | undefined {
  if (typeof arg !== "string") return undefined;
  if (Object.hasOwn(row, arg)) return arg;
  const range = /^<(\w+) \(range var over/.exec(arg)?.[1];
  return range !== undefined && Object.hasOwn(row, range) ? range : undefined;
}

/** One copy of each assertion that uses a table variable per row, with the row's values in place. */
export function expandTable(test: string, assertions: readonly StatusAssertionJson[]): StatusAssertionJson[] {
  const table = TABLES[test];
  if (!table) return [...assertions];
  return assertions.flatMap((a) => {
    const first = table.rows[0]!;
    const uses = a.args.some((x) => variableOf(x, first) !== undefined || (typeof x === "string" && /\{'\$expr': 'tc\.\w+'\}/.test(x)));
    if (!uses) return [a];
    return table.rows.map((row) => ({
      ...a,
      args: a.args.map((x) => {
        const v = variableOf(x, row);
        if (v !== undefined) return row[v];
        return typeof x === "string" ? x.replace(/\{'\$expr': '(tc\.\w+)'\}/g, (m, k: string) => (typeof row[k] === "string" ? (row[k] as string) : m)) : x;
      }),
    }));
  });
}
