// Evaluates the request cases of cases.json against the rendered xDS with the evaluator, then
// judges the simulated answer with the suite's CompareRoundTrip rules (REPORT.md §3).
import { evaluateHttp, grpcStatusForHttp, type Outcome, type UpstreamChoice } from "../envoy-eval/evaluate.ts";
import { applyMutations, getAll, type HeaderList } from "../envoy-eval/headers.ts";
import type { RenderJson } from "../envoy-eval/types.ts";
import { echoAttempt, goDurationMs, type EchoEnv, type EchoResponse } from "./echo.ts";
import type { CaseJson, GroupJson, GrpcCaseJson, GrpcTestJson } from "./suite.ts";

export interface Failure {
  /** Short, groupable cause. */
  cause: string;
  detail: string;
}

export interface GatewayAddressing {
  /** ns/name -> first typed status address. */
  address(ns: string, name: string): string | undefined;
}

function simulateAttempts(env: EchoEnv, o: Extract<Outcome, { kind: "upstream" }>, choice: UpstreamChoice, retryKey: string): EchoResponse {
  const ep = choice.endpoints[0];
  if (!choice.clusterFound) return { status: 503, headers: [], failure: `cluster ${choice.cluster} not found`, delayMs: 0 };
  if (!ep) return { status: 503, headers: [], failure: `cluster ${choice.cluster} has no endpoints (no healthy upstream)`, delayMs: 0 };
  const rp = o.retryPolicy;
  const retryOn = (rp?.retryOn ?? "").split(",").map((s) => s.trim());
  const attempts = rp ? 1 + (rp.numRetries ?? 1) : 1;
  const timeoutMs = goDurationMs(o.timeout) ?? 15000;
  const perTryMs = rp?.perTryTimeout ? (goDurationMs(rp.perTryTimeout) ?? 0) : 0;
  let last: EchoResponse = { status: 503, headers: [], delayMs: 0 };
  for (let i = 0; i < attempts; i++) {
    const r = echoAttempt(env, choice, choice.endpoints[i % choice.endpoints.length]!, retryKey);
    let status = r.reset ? 503 : r.status;
    if (timeoutMs > 0 && r.delayMs >= timeoutMs) return { ...r, status: 504, failure: `route timeout ${o.timeout} < delay`, body: undefined };
    if (perTryMs > 0 && r.delayMs >= perTryMs) status = 504;
    last = { ...r, status };
    const retriable =
      (retryOn.includes("5xx") && (status >= 500 || r.reset === true)) ||
      (retryOn.includes("gateway-error") && [502, 503, 504].includes(status)) ||
      (retryOn.includes("retriable-status-codes") && (rp?.retriableStatusCodes ?? []).includes(status)) ||
      ((retryOn.includes("reset") || retryOn.includes("connect-failure")) && r.reset === true);
    if (!retriable || status < 300) break;
  }
  return last;
}

/** The answer the client gets for one choice: status, response headers, echo body. */
function answer(
  env: EchoEnv,
  o: Outcome,
  choice: UpstreamChoice | undefined,
  retryKey: string,
): { status: number; headers: HeaderList; body?: EchoResponse["body"]; why: string } {
  if (o.kind === "connection-error") return { status: 0, headers: [], why: `${o.reason}: ${o.detail}` };
  if (o.kind === "local") return { status: o.status, headers: o.headers, why: o.reason };
  if (o.kind === "tcp" || !choice) return { status: 0, headers: [], why: "tcp_proxy for an HTTP request" };
  const r = simulateAttempts(env, o, choice, retryKey);
  const headers = applyMutations(r.headers, choice.responseMutations);
  for (const [k, v] of o.corsResponseHeaders) headers.push([k, v]);
  return {
    status: r.status,
    headers,
    body: r.body,
    why: r.failure ?? `routed via ${o.info.routeConfig} / ${o.info.virtualHost} / ${o.info.route} to ${choice.cluster}`,
  };
}

function joinedValues(h: HeaderList, name: string): string | undefined {
  const v = getAll(h, name);
  return v.length === 0 ? undefined : v.join(",");
}

/** CompareRoundTrip on one answer. Returns undefined when it passes. */
function compare(c: CaseJson, group: GroupJson, a: ReturnType<typeof answer>, requestScheme: string): Failure | undefined {
  const codes = c.response.statusCodes.length > 0 ? c.response.statusCodes : [200];
  if (group.client?.startsWith("http.MakeRequestAndExpectFailure")) {
    return a.status === 200 ? { cause: "traffic: expected a failure, got 200", detail: a.why } : undefined;
  }
  if (a.status === 0) return { cause: `traffic: connection failed (${a.why.split(":")[0]})`, detail: a.why };
  const timeoutOk = (a.status === 408 || a.status === 504) && (codes.includes(408) || codes.includes(504));
  if (!codes.includes(a.status) && !timeoutOk) return { cause: `traffic: status ${a.status}, expected ${codes.join("/")}`, detail: a.why };
  if (a.status === 200 || a.status === 204) {
    const exp = c.effectiveExpectedRequest;
    const body = a.body;
    const echoedPath = body?.path ?? "";
    if ((exp.path ?? "") !== echoedPath)
      return {
        cause: "traffic: backend saw a different path",
        detail: `echoed path ${JSON.stringify(echoedPath)}, expected ${JSON.stringify(exp.path)} (${a.why})`,
      };
    if ((exp.method ?? "GET") !== (body?.method ?? c.request.method)) return { cause: "traffic: backend saw a different method", detail: `${body?.method}` };
    if (exp.host && exp.host !== body?.host)
      return { cause: "traffic: backend saw a different host", detail: `echoed host ${body?.host}, expected ${exp.host}` };
    for (const [k, v] of Object.entries(exp.headers ?? {})) {
      const entry = Object.entries(body?.headers ?? {}).find(([n]) => n.toLowerCase() === k.toLowerCase());
      if (!entry) return { cause: "traffic: request header missing at backend", detail: `${k} (expected ${v})` };
      if (entry[1].join(",") !== v) return { cause: "traffic: request header value differs at backend", detail: `${k}: ${entry[1].join(",")} != ${v}` };
    }
    for (const k of exp.absentHeaders ?? []) {
      if (Object.keys(body?.headers ?? {}).some((n) => n.toLowerCase() === k.toLowerCase()))
        return { cause: "traffic: request header should be absent at backend", detail: k };
    }
    if (c.namespace !== (body?.namespace ?? ""))
      return {
        cause: "traffic: wrong backend namespace",
        detail: `echoed ${JSON.stringify(body?.namespace ?? "")}, expected ${JSON.stringify(c.namespace)} (${a.why})`,
      };
    if (c.backend !== "" && !(body?.pod ?? "").startsWith(c.backend))
      return { cause: "traffic: wrong backend", detail: `pod ${body?.pod}, expected ${c.backend} (${a.why})` };
    if (exp.sni && exp.sni !== body?.tls?.serverName) return { cause: "traffic: backend TLS SNI differs", detail: `${body?.tls?.serverName} != ${exp.sni}` };
    const ws = (s: string) => (c.response.ignoreWhitespace ? s.replace(/\s/g, "") : s);
    for (const [k, v] of Object.entries(c.response.headers ?? {})) {
      const got = joinedValues(a.headers, k);
      if (got === undefined || ws(got) !== ws(v)) return { cause: "traffic: response header differs", detail: `${k}: ${got} != ${v}` };
    }
    for (const [k, vs] of Object.entries(c.response.validHeaderValues ?? {})) {
      const got = joinedValues(a.headers, k);
      if (got === undefined || !vs.map(ws).includes(ws(got)))
        return { cause: "traffic: response header not among valid values", detail: `${k}: ${got} not in ${JSON.stringify(vs)}` };
    }
    for (const k of c.response.absentHeaders ?? [])
      if (joinedValues(a.headers, k) !== undefined) return { cause: "traffic: response header should be absent", detail: k };
  }
  if (a.status >= 300 && a.status < 400 && c.redirect) {
    const loc = joinedValues(a.headers, "location") ?? "";
    let u: URL;
    try {
      u = new URL(loc);
    } catch {
      return { cause: "traffic: redirect Location unparseable", detail: loc };
    }
    const r = c.redirect;
    const scheme = u.protocol.replace(/:$/, "");
    const port = /^[a-z]+:\/\/[^/]*:(\d+)/.exec(loc)?.[1] ?? "";
    if (r.scheme && r.scheme !== scheme) return { cause: "traffic: redirect scheme differs", detail: loc };
    if (!r.scheme && scheme !== requestScheme) return { cause: "traffic: redirect scheme differs", detail: loc };
    if (r.host && r.host !== u.hostname) return { cause: "traffic: redirect host differs", detail: `${loc} (expected host ${r.host})` };
    const path = u.pathname + u.search;
    if (r.path && r.path !== u.pathname && r.path !== path) return { cause: "traffic: redirect path differs", detail: `${loc} (expected ${r.path})` };
    if (!r.path && path !== c.request.path && u.pathname !== c.request.path)
      return { cause: "traffic: redirect path differs", detail: `${loc} (expected ${c.request.path})` };
    if (r.port) {
      if (r.port !== port) return { cause: "traffic: redirect port differs", detail: `${loc} (expected ${r.port})` };
    } else if (!(port === "" || (scheme === "http" && port === "80") || (scheme === "https" && port === "443"))) {
      return { cause: "traffic: redirect port should be omitted", detail: loc };
    }
  }
  return undefined;
}

/** Where a case is sent: the Gateway's status address and the port to dial. */
function target(addr: GatewayAddressing, group: GroupJson, c: CaseJson): { address: string; port: number } | Failure {
  const gw = group.gateway;
  if (!gw) return { cause: "harness: group without gateway", detail: "" };
  const address = addr.address(gw.namespace, gw.name);
  if (!address) return { cause: "traffic: Gateway has no status address", detail: `${gw.namespace}/${gw.name}` };
  return { address, port: c.port ?? gw.port };
}

/** "Secret ns/name (signed by ...)" -> the PEM of the CA that signed that client certificate. */
function clientCertCa(env: EchoEnv, group: GroupJson): string | undefined {
  const m = /^Secret ([a-z0-9.-]+\/[a-z0-9.-]+)/.exec(group.clientCertificate ?? "");
  if (!m) return undefined;
  return env.certs.configMaps[env.certs.signedBy[m[1]!] ?? ""];
}

export function checkHttpCase(
  render: RenderJson,
  env: EchoEnv,
  addr: GatewayAddressing,
  group: GroupJson,
  raw: CaseJson,
  caseIndex: number,
): Failure | undefined {
  // The retry cases carry a {uuid} placeholder in both the request and the expected path.
  const uuid = `uuid-${caseIndex}`;
  const exp = raw.effectiveExpectedRequest;
  const c: CaseJson = { ...raw, effectiveExpectedRequest: { ...exp, path: exp.path?.replace("{uuid}", uuid) } };
  const t = target(addr, group, c);
  if ("cause" in t) return t;
  const scheme = group.scheme === "https" ? "https" : "http";
  const defaultPort = scheme === "https" ? 443 : 80;
  const authority = c.request.host ?? (t.port === defaultPort ? t.address : `${t.address}:${t.port}`);
  const setHeader = Object.entries(c.backendSetResponseHeaders ?? {})
    .map(([k, v]) => `${k}:${v}`)
    .join(",");
  const headers: HeaderList = Object.entries(c.request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]);
  headers.push(["x-echo-set-header", setHeader], ["user-agent", "Go-http-client/1.1"]);
  const sni = c.serverName ?? group.serverName ?? (scheme === "https" ? authority.replace(/:\d+$/, "") : undefined);
  const o = evaluateHttp(render, {
    scheme,
    address: t.address,
    port: t.port,
    sni,
    alpn: c.request.protocol === "H2" ? ["h2", "http/1.1"] : ["http/1.1"],
    authority,
    method: c.request.method,
    path: c.request.path.replace("{uuid}", uuid),
    headers,
    clientCertCa: clientCertCa(env, group),
  });
  if (group.client?.startsWith("tls.MakeTLSRequestAndExpectFailureResponse")) {
    return o.kind === "connection-error" ? undefined : { cause: "traffic: TLS request should fail", detail: o.kind };
  }
  const choices: (UpstreamChoice | undefined)[] = o.kind === "upstream" ? o.choices : [undefined];
  for (const choice of choices) {
    const a = answer(env, o, choice, `case-${caseIndex}-${choice?.cluster ?? ""}`);
    const f = compare(c, group, a, scheme);
    if (f) return f;
  }
  for (const m of c.mirroredTo ?? []) {
    if (o.kind !== "upstream") return { cause: "traffic: mirror expected but request not routed upstream", detail: m.name };
    const hit = o.mirrors.find(
      (x) =>
        x.endpoints.length > 0 &&
        x.endpoints.every((ep) => env.pods.get(ep.address)?.deployment === m.name && env.pods.get(ep.address)?.namespace === m.namespace),
    );
    if (!hit)
      return {
        cause: "traffic: request not mirrored to the expected backend",
        detail: `${m.namespace}/${m.name}; mirrors ${JSON.stringify(o.mirrors.map((x) => x.cluster))}`,
      };
    if (m.percent !== undefined && Math.abs(hit.percent - m.percent) > 0.001)
      return { cause: "traffic: mirror percentage differs", detail: `${hit.percent} != ${m.percent}` };
  }
  if (group.weightedDistribution && o.kind === "upstream") {
    const total = o.choices.reduce((s, x) => s + x.weight, 0);
    const per = new Map<string, number>();
    for (const ch of o.choices) {
      const dep = env.pods.get(ch.endpoints[0]?.address ?? "")?.deployment ?? ch.cluster;
      per.set(dep, (per.get(dep) ?? 0) + ch.weight / total);
    }
    for (const [b, w] of Object.entries(group.weightedDistribution.expectedWeights)) {
      if (Math.abs((per.get(b) ?? 0) - w) > 0.05) return { cause: "traffic: weights differ", detail: `${b}: ${per.get(b) ?? 0} vs ${w}` };
    }
  }
  return undefined;
}

export function checkGrpcCase(render: RenderJson, env: EchoEnv, addr: GatewayAddressing, t: GrpcTestJson, c: GrpcCaseJson): Failure | undefined {
  const address = addr.address(t.gateway.namespace, t.gateway.name);
  if (!address) return { cause: "traffic: Gateway has no status address", detail: `${t.gateway.namespace}/${t.gateway.name}` };
  const headers: HeaderList = [
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ...Object.entries(c.metadata ?? {}).map(([k, v]): [string, string] => [k.toLowerCase(), v]),
  ];
  const o = evaluateHttp(render, {
    scheme: "http",
    address,
    port: t.gateway.port,
    authority: c.authority ?? `${address}:${t.gateway.port}`,
    method: "POST",
    path: c.method,
    headers,
  });
  const outcomes: { code: string; pod?: string; ns?: string; why: string }[] = [];
  if (o.kind === "connection-error") outcomes.push({ code: "Unavailable", why: o.detail });
  else if (o.kind === "local") outcomes.push({ code: grpcStatusForHttp(o.status), why: o.reason });
  else if (o.kind === "upstream") {
    for (const ch of o.choices) {
      const r = ch.endpoints[0] ? echoAttempt(env, ch, ch.endpoints[0]) : undefined;
      const pod = ch.endpoints[0] ? env.pods.get(ch.endpoints[0].address) : undefined;
      if (r?.status !== 200 || !pod) outcomes.push({ code: "Unavailable", why: r?.failure ?? `no endpoints for ${ch.cluster}` });
      else if (pod.mode !== "grpc-echo") outcomes.push({ code: "Internal", why: `${pod.name} is not a gRPC echo` });
      else if (/\/(Echo|EchoTwo)$/.test(ch.request.path)) outcomes.push({ code: "OK", pod: pod.name, ns: pod.namespace, why: `to ${ch.cluster}` });
      else outcomes.push({ code: "Unimplemented", why: "backend does not implement the method" });
    }
  }
  for (const x of outcomes) {
    if (x.code !== c.expectedCode) return { cause: `grpc: code ${x.code}, expected ${c.expectedCode}`, detail: x.why };
    if (c.expectedCode === "OK") {
      if (c.namespace !== "" && c.namespace !== x.ns) return { cause: "grpc: wrong backend namespace", detail: x.why };
      if (c.backend !== "" && !(x.pod ?? "").startsWith(c.backend)) return { cause: "grpc: wrong backend", detail: `${x.pod} (${x.why})` };
    }
  }
  return undefined;
}
