// What the suite's echo-basic backend answers (REPORT.md §2), simulated for one upstream attempt:
// the pod behind the endpoint, the protocol the cluster speaks, its TLS settings, and the
// echo's special paths (/status/NNN, ?delay=, /retry/...).
import type { Endpoint, UpstreamChoice } from "../envoy-eval/evaluate.ts";
import type { RenderJson } from "../envoy-eval/types.ts";
import { asRecord } from "../envoy-eval/types.ts";
import { queryOf } from "../envoy-eval/match.ts";
import type { HeaderList } from "../envoy-eval/headers.ts";
import type { Pod } from "./backends.ts";
import type { GeneratedCerts } from "./certs.ts";

export interface EchoBody {
  path: string;
  host: string;
  method: string;
  headers: Record<string, string[]>;
  namespace: string;
  pod: string;
  tls?: { serverName: string };
}

export interface EchoResponse {
  status: number;
  headers: HeaderList;
  body?: EchoBody;
  /** Why an upstream failure happened (for the report). */
  failure?: string;
  /** The upstream reset the connection (retry test without responseCode). */
  reset?: boolean;
  delayMs: number;
}

/** Go's textproto.CanonicalMIMEHeaderKey. */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** Go time.ParseDuration for the forms the suite uses (1s, 500ms, 1.5s, 2m). */
export function goDurationMs(s: string): number | undefined {
  let total = 0;
  let rest = s.trim();
  if (rest === "") return undefined;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  while (rest !== "") {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

export interface EchoEnv {
  pods: Map<string, Pod>;
  certs: GeneratedCerts;
  render: RenderJson;
  /** Per retry uuid: attempts seen so far (the echo keeps this in memory). */
  retryCounts: Map<string, number>;
}

function listens(pod: Pod, port: number): "h1" | "h2c" | "tls" | "grpc" | undefined {
  if (pod.mode === "grpc-echo") return port === 3000 ? "grpc" : undefined;
  if (pod.mode === "http-echo") {
    if (port === 3000) return "h1";
    if (port === 3001) return "h2c";
    if (port === 8443 && pod.tlsSecret) return "tls";
  }
  return undefined;
}

/** The CA PEMs the upstream TLS context trusts (inline, or an SDS secret from the render). */
function trustedCas(env: EchoEnv, tls: Record<string, unknown>): string[] | undefined {
  const common = asRecord(tls.commonTlsContext);
  const vc = asRecord(common?.validationContext);
  const inline = asRecord(vc?.trustedCa)?.inlineString;
  if (typeof inline === "string") return [inline];
  const sds =
    asRecord(common?.validationContextSdsSecretConfig)?.name ?? asRecord(asRecord(common?.combinedValidationContext)?.validationContextSdsSecretConfig)?.name;
  if (typeof sds === "string") {
    const s = env.render.secrets.find((x) => x.name === sds);
    const pem = s?.validationContext?.trustedCa?.inlineString;
    return pem ? [pem] : [];
  }
  const combined = asRecord(asRecord(common?.combinedValidationContext)?.defaultValidationContext);
  const ca2 = asRecord(combined?.trustedCa)?.inlineString;
  return typeof ca2 === "string" ? [ca2] : undefined;
}

function sanMatchers(tls: Record<string, unknown>): { type: string; exact: string }[] {
  const common = asRecord(tls.commonTlsContext);
  const vc = asRecord(common?.validationContext) ?? asRecord(asRecord(common?.combinedValidationContext)?.defaultValidationContext);
  const list = Array.isArray(vc?.matchTypedSubjectAltNames) ? (vc.matchTypedSubjectAltNames as unknown[]) : [];
  return list.map((x) => {
    const r = asRecord(x);
    return { type: String(r?.sanType ?? ""), exact: String(asRecord(r?.matcher)?.exact ?? "") };
  });
}

/** One attempt against one endpoint. `grpc`: the request is a gRPC call (the response is judged by the caller). */
export function echoAttempt(env: EchoEnv, choice: UpstreamChoice, ep: Endpoint, retryAttemptKey?: string): EchoResponse {
  const pod = env.pods.get(ep.address);
  const base = { headers: [] as HeaderList, delayMs: 0 };
  if (!pod) return { ...base, status: 503, failure: `endpoint ${ep.address}:${ep.port} is not a conformance pod` };
  const proto = listens(pod, ep.port);
  if (!proto) return { ...base, status: 503, failure: `pod ${pod.name} does not listen on ${ep.port} (connect failure)` };
  let serverName: string | undefined;
  if (proto === "tls") {
    if (!choice.upstreamTls) return { ...base, status: 400, failure: `plaintext HTTP sent to the HTTPS port of ${pod.name}` };
    serverName = typeof choice.upstreamTls.sni === "string" ? choice.upstreamTls.sni : undefined;
    const certNN = `${pod.namespace}/${pod.tlsSecret}`;
    const cas = trustedCas(env, choice.upstreamTls);
    if (cas !== undefined) {
      const signer = env.certs.configMaps[env.certs.signedBy[certNN] ?? ""];
      if (!signer || !cas.some((c) => c.trim() === signer.trim()))
        return { ...base, status: 503, failure: `upstream TLS: ${pod.name}'s certificate is not signed by the trusted CA` };
    }
    const sans = sanMatchers(choice.upstreamTls);
    if (sans.length > 0) {
      const certSans = env.certs.sans[certNN] ?? [];
      if (!sans.some((m) => certSans.includes(m.exact)))
        return { ...base, status: 503, failure: `upstream TLS: no SAN of ${pod.name} matches ${sans.map((s) => s.exact).join(",")}` };
    }
  }
  if (proto === "h2c" && !choice.http2)
    return { ...base, status: 400, failure: `HTTP/1.1 without h2c upgrade to the h2c port of ${pod.name} ("Expected h2c request")` };
  if ((proto === "h1" || proto === "tls") && choice.http2 && proto === "h1")
    return { ...base, status: 503, failure: `HTTP/2 prior knowledge sent to the HTTP/1.1 port of ${pod.name}` };
  if (proto === "grpc" && !choice.http2) return { ...base, status: 503, failure: `HTTP/1.1 sent to the gRPC (h2c) port of ${pod.name}` };

  const req = choice.request;
  const q = new URLSearchParams(queryOf(req.path));
  const delayMs = goDurationMs(q.get("delay") ?? "") ?? 0;
  const echoHeaders: Record<string, string[]> = {};
  for (const [k, v] of req.headers) {
    if (k.startsWith(":") || k === "host") continue;
    (echoHeaders[canonicalHeader(k)] ??= []).push(v);
  }
  const respHeaders: HeaderList = [
    ["content-type", "application/json"],
    ["x-content-type-options", "nosniff"],
  ];
  const setHeader = (echoHeaders["X-Echo-Set-Header"] ?? []).join(",");
  for (const item of setHeader.split(",")) {
    const i = item.indexOf(":");
    if (i > 0) respHeaders.push([item.slice(0, i).trim().toLowerCase(), item.slice(i + 1).trim()]);
  }
  const body: EchoBody = {
    path: req.path,
    host: req.authority,
    method: req.method,
    headers: echoHeaders,
    namespace: pod.namespace,
    pod: pod.name,
    tls: serverName !== undefined ? { serverName } : undefined,
  };

  const bare = req.path.split("?")[0] ?? "";
  const statusPath = /^\/status\/(\d{3})$/.exec(bare);
  if (statusPath) return { status: Number(statusPath[1]), headers: [], delayMs };
  if (bare.startsWith("/retry/") && retryAttemptKey !== undefined) {
    const n = (env.retryCounts.get(retryAttemptKey) ?? 0) + 1;
    env.retryCounts.set(retryAttemptKey, n);
    const succeedAfter = Number(q.get("succeedAfter") ?? "0");
    if (n <= succeedAfter) {
      const code = q.get("responseCode");
      return code ? { status: Number(code), headers: [], delayMs } : { status: 0, headers: [], reset: true, delayMs };
    }
  }
  return { status: 200, headers: respHeaders, body, delayMs };
}
