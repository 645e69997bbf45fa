// Judges the TLSRoute connection cases of tls-cases.ts against the rendered xDS: the evaluator
// picks the listener, filter chain (by SNI) and tcp_proxy cluster (envoy-eval/evaluate.ts
// evaluateTcp); this file plays the client and the suite's backends:
// - the client verifies the certificate of whoever completes its handshake (Envoy on a
//   terminating chain, the backend pod on a passthrough chain) against its RootCAs and the SNI;
// - the tcp echo (echo-basic TCP_ECHO_SERVER) answers IS_TLS and the TEST JSON on port 3000
//   (plain) or 8443 (TLS, serverName = the SNI it received);
// - a rejection (tls.MakeTLSConnectionAndExpectEventuallyConnectionRejection) is an RST or EOF
//   during the handshake: no filter chain, or tcp_proxy with no cluster / no endpoint, on a
//   passthrough chain. A refused TCP connection (nothing listens) is not a rejection in the
//   Go helper's sense (isConnectionRejected: EOF or ECONNRESET only).
import { evaluateTcp, type Endpoint } from "../envoy-eval/evaluate.ts";
import type { RenderJson, FilterChain } from "../envoy-eval/types.ts";
import { asRecord } from "../envoy-eval/types.ts";
import type { EchoEnv } from "./echo.ts";
import type { TlsConnectionCase } from "./tls-cases.ts";
import type { Failure, GatewayAddressing } from "./traffic-check.ts";

/** Go's x509 VerifyHostname: a "*." SAN stands for exactly one leftmost label. */
function hostMatchesSan(san: string, host: string): boolean {
  if (!san.startsWith("*.")) return san.toLowerCase() === host.toLowerCase();
  const dot = host.indexOf(".");
  return dot > 0 && host.slice(dot).toLowerCase() === san.slice(1).toLowerCase();
}

/** The generated Secret (ns/name) whose certificate is `pem`. */
function secretOfPem(env: EchoEnv, pem: string): string | undefined {
  return Object.entries(env.certs.secrets).find(([, p]) => p.cert.trim() === pem.trim())?.[0];
}

/** Certificates a terminating chain presents: its SDS secret names resolved in the render. */
function chainCertificates(render: RenderJson, fc: FilterChain): string[] {
  const ctx = asRecord(asRecord(fc.transportSocket?.typedConfig)?.commonTlsContext);
  const sds = Array.isArray(ctx?.tlsCertificateSdsSecretConfigs) ? ctx.tlsCertificateSdsSecretConfigs : [];
  const out: string[] = [];
  for (const s of sds) {
    const name = asRecord(s)?.name;
    const pem = render.secrets.find((x) => x.name === name)?.tlsCertificate?.certificateChain?.inlineString;
    if (typeof pem === "string") out.push(pem);
  }
  return out;
}

/** The client's verification: signed by a trusted CA (a ConfigMap, or the certificate itself) and valid for the SNI. */
function verify(env: EchoEnv, certNN: string | undefined, trust: { configMap?: string; secret?: string }, sni: string): string | undefined {
  if (!certNN) return "the presented certificate is not one the suite generated";
  const trusted = trust.secret === certNN || (trust.configMap !== undefined && env.certs.signedBy[certNN] === trust.configMap);
  if (!trusted) return `${certNN} is not trusted by the client (RootCAs ${trust.configMap ?? trust.secret})`;
  const sans = env.certs.sans[certNN] ?? [];
  if (!sans.some((s) => hostMatchesSan(s, sni))) return `${certNN} (SANs ${sans.join(",")}) is not valid for ${sni}`;
  return undefined;
}

export function checkTlsConnection(render: RenderJson, env: EchoEnv, addr: GatewayAddressing, c: TlsConnectionCase): Failure | undefined {
  const address = addr.address(c.gateway.namespace, c.gateway.name);
  if (!address) return { cause: "traffic: Gateway has no status address", detail: `${c.gateway.namespace}/${c.gateway.name}` };
  const o = evaluateTcp(render, { address, port: c.gateway.port, tls: true, sni: c.sni, alpn: [] });
  const where = `${address}:${c.gateway.port} sni=${c.sni} (Go line ${c.line})`;
  if (c.expect.kind === "rejected") {
    if (o.kind === "connection-error") return o.reason === "no-listener" ? { cause: "tls: connection refused, expected RST/EOF", detail: where } : undefined;
    if (o.kind !== "tcp") return { cause: "tls: connection accepted, expected rejection", detail: `${where}: ${o.kind}` };
    const live = o.clusters.some((x) => x.clusterFound && x.endpoints.length > 0);
    if (!o.terminatesTls && !live) return undefined;
    return {
      cause: "tls: handshake completes, expected rejection",
      detail: `${where}: ${o.info.filterChain} -> ${o.clusters.map((x) => x.cluster).join(",")}`,
    };
  }
  if (o.kind !== "tcp")
    return {
      cause: `tls: no tcp_proxy for the connection (${o.kind === "connection-error" ? o.reason : o.kind})`,
      detail: `${where}: ${o.kind === "connection-error" ? o.detail : ""}`,
    };
  for (const ch of o.clusters) {
    if (!ch.clusterFound) return { cause: "tls: tcp_proxy cluster not found", detail: `${where}: ${ch.cluster}` };
    for (const ep of ch.endpoints) {
      const f = judgeEndpoint(render, env, c, o.terminatesTls, o.info.filterChain, ep);
      if (f) return { cause: f.cause, detail: `${where}: ${f.detail}` };
    }
    if (ch.endpoints.length === 0) return { cause: "tls: tcp_proxy cluster has no endpoints", detail: `${where}: ${ch.cluster}` };
  }
  return undefined;
}

function judgeEndpoint(render: RenderJson, env: EchoEnv, c: TlsConnectionCase, terminates: boolean, chainName: string, ep: Endpoint): Failure | undefined {
  const exp = c.expect;
  if (exp.kind === "rejected") return undefined;
  const pod = env.pods.get(ep.address);
  if (!pod) return { cause: "tls: endpoint is not a conformance pod", detail: `${ep.address}:${ep.port}` };
  const trust = exp.kind === "tcp-echo" ? { configMap: exp.trustConfigMap } : { secret: exp.trustSecret };
  const tlsPort = ep.port === 8443 && pod.tlsSecret !== null;
  if (terminates) {
    const listener = render.listeners.flatMap((l) => l.filterChains ?? []).find((fc) => fc.name === chainName);
    const pems = listener ? chainCertificates(render, listener) : [];
    const why = verify(env, pems[0] ? secretOfPem(env, pems[0]) : undefined, trust, c.sni);
    if (why) return { cause: "tls: client rejects the gateway's certificate", detail: why };
    // Envoy forwards plaintext: a TLS port of the backend would see garbage and close.
    if (tlsPort) return { cause: "tls: terminated connection sent in plaintext to the backend's TLS port", detail: `${pod.name}:${ep.port}` };
  } else {
    if (!tlsPort) return { cause: "tls: passthrough connection reaches a port that does not speak TLS", detail: `${pod.name}:${ep.port}` };
    const why = verify(env, `${pod.namespace}/${pod.tlsSecret}`, trust, c.sni);
    if (why) return { cause: "tls: client rejects the backend's certificate", detail: why };
  }
  if (exp.kind === "tcp-echo") {
    if (pod.mode !== "tcp-echo") return { cause: "tls: backend is not a tcp echo", detail: pod.name };
    if ((ep.port === 8443) !== exp.backendIsTLS)
      return { cause: "tls: IS_TLS differs", detail: `${pod.name}:${ep.port} answers IS_TLS=${ep.port === 8443}, expected ${exp.backendIsTLS}` };
    if (exp.serverName !== undefined && !terminates && c.sni !== exp.serverName)
      return { cause: "tls: backend saw a different SNI", detail: `${c.sni} != ${exp.serverName}` };
  } else if (pod.mode !== "http-echo") return { cause: "tls: backend is not an HTTPS echo", detail: pod.name };
  if (pod.namespace !== exp.namespace) return { cause: "tls: wrong backend namespace", detail: `${pod.namespace} != ${exp.namespace}` };
  if (!pod.name.startsWith(`${exp.backend}-`)) return { cause: "tls: wrong backend", detail: `pod ${pod.name}, expected ${exp.backend}` };
  return undefined;
}
