// HTTPRoute and GRPCRoute rules -> IR routes, for one listener they are attached to.
import { noFTL } from "bun:jsc";
import type { BackendRef, GRPCRoute, GRPCRouteRule, HTTPRoute, HTTPRouteMatch, HTTPRouteRule } from "../kinds/gateway-api.ts";
import type { IrBackendRef, IrRoute, IrRouteAction, IrRouteMatch } from "../ir/types.ts";
import { durationMs } from "../validate/names.ts";
import type { RouteBackends } from "./backends.ts";
import { applyFilters, headerMutation, type FilterResult } from "./filters.ts";
import type { Protocol } from "../translate/services.ts";

export interface RouteWithKey {
  route: IrRoute;
  /** Sort key for the Gateway API's precedence (see precedence.ts). */
  rank: RankKey;
}

export interface RankKey {
  pathType: number;
  pathLength: number;
  method: number;
  headers: number;
  query: number;
  grpcService: number;
  grpcMethod: number;
  /** Route age order, rule index and match index: the final tie-breakers. */
  /** The route's age key (creationTimestamp, then namespace/name): stable across compiles. */
  routeOrder: string;
  rule: number;
  match: number;
}

function forwardBackends(
  refs: readonly BackendRef[] | undefined,
  backends: RouteBackends,
  path: ReadonlyArray<string | number>,
  protocol?: Protocol,
): IrBackendRef[] {
  const out: IrBackendRef[] = [];
  (refs ?? []).forEach((ref, i) => {
    const weight = ref.weight ?? 1;
    const cluster = backends.resolve(ref, [...path, i], protocol);
    if (weight === 0) return;
    const f = ref.filters ?? [];
    out.push({
      cluster,
      weight,
      requestHeaders: headerMutation(f.find((x) => x.type === "RequestHeaderModifier")?.requestHeaderModifier),
      responseHeaders: headerMutation(f.find((x) => x.type === "ResponseHeaderModifier")?.responseHeaderModifier),
    });
  });
  return out;
}

function action(fr: FilterResult, backends: IrBackendRef[], rule: HTTPRouteRule | GRPCRouteRule): IrRouteAction {
  if (fr.broken) return { type: "direct", status: 500, body: fr.broken };
  if (fr.redirect) return fr.redirect;
  // No usable backend at all: the Gateway API asks for 500, not Envoy's 503.
  if (backends.length === 0 || backends.every((b) => b.cluster === undefined)) return { type: "direct", status: 500 };
  const timeouts = "timeouts" in rule ? rule.timeouts : undefined;
  const retry = "retry" in rule ? rule.retry : undefined;
  return {
    type: "forward",
    backends,
    rewrite: fr.rewrite,
    mirrors: fr.mirrors,
    timeoutMs: timeouts?.request !== undefined ? durationMs(timeouts.request) : undefined,
    backendTimeoutMs: timeouts?.backendRequest !== undefined ? durationMs(timeouts.backendRequest) : undefined,
    retry: retry ? { attempts: retry.attempts ?? 1, codes: retry.codes ?? [], backoffMs: retry.backoff ? durationMs(retry.backoff) : undefined } : undefined,
  };
}

function httpMatch(m: HTTPRouteMatch): IrRouteMatch {
  const type = m.path?.type ?? "PathPrefix";
  let value = m.path?.value ?? "/";
  // "/foo/" and "/foo" are the same prefix in the Gateway API (path elements).
  if (type === "PathPrefix" && value.length > 1 && value.endsWith("/")) value = value.replace(/\/+$/, "") || "/";
  return {
    path: { type, value },
    headers: (m.headers ?? []).map((h) => ({ name: h.name.toLowerCase(), type: h.type ?? "Exact", value: h.value })),
    query: (m.queryParams ?? []).map((q) => ({ name: q.name, type: q.type ?? "Exact", value: q.value })),
    method: m.method,
  };
}

export function httpRouteRules(route: HTTPRoute, backends: RouteBackends, listener: { port: number; protocol: string }, routeOrder: string): RouteWithKey[] {
  const out: RouteWithKey[] = [];
  const base = `HTTPRoute/${route.metadata.namespace}/${route.metadata.name}`;
  (route.spec.rules ?? [{}]).forEach((rule, ri) => {
    const rp = ["spec", "rules", ri];
    const fr = applyFilters(rule.filters ?? [], backends, listener, [...rp, "filters"]);
    const act = action(fr, forwardBackends(rule.backendRefs, backends, [...rp, "backendRefs"]), rule);
    const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
    matches.forEach((m, mi) => {
      const match = httpMatch(m);
      out.push({
        route: {
          name: `${base}/rule/${rule.name ?? ri}/match/${mi}`,
          match,
          action: act,
          requestHeaders: fr.requestHeaders,
          responseHeaders: fr.responseHeaders,
          cors: fr.cors,
        },
        rank: {
          pathType: match.path.type === "Exact" ? 3 : match.path.type === "RegularExpression" ? 2 : 1,
          pathLength: match.path.value.length,
          method: match.method ? 1 : 0,
          headers: match.headers.length,
          query: match.query.length,
          grpcService: 0,
          grpcMethod: 0,
          routeOrder,
          rule: ri,
          match: mi,
        },
      });
    });
  });
  return out;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function grpcRouteRules(route: GRPCRoute, backends: RouteBackends, listener: { port: number; protocol: string }, routeOrder: string): RouteWithKey[] {
  const out: RouteWithKey[] = [];
  const base = `GRPCRoute/${route.metadata.namespace}/${route.metadata.name}`;
  (route.spec.rules ?? [{}]).forEach((rule, ri) => {
    const rp = ["spec", "rules", ri];
    const fr = applyFilters(rule.filters ?? [], backends, listener, [...rp, "filters"]);
    const act = action(fr, forwardBackends(rule.backendRefs, backends, [...rp, "backendRefs"], "h2c"), rule);
    const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
    matches.forEach((m, mi) => {
      const svc = m.method?.service;
      const meth = m.method?.method;
      const regex = m.method?.type === "RegularExpression";
      let path: IrRouteMatch["path"];
      if (!svc && !meth) path = { type: "PathPrefix", value: "/" };
      else if (!regex && svc && meth) path = { type: "Exact", value: `/${svc}/${meth}` };
      else if (!regex && svc) path = { type: "PathPrefix", value: `/${svc}` };
      else path = { type: "RegularExpression", value: `/${svc ? (regex ? svc : escapeRe(svc)) : "[^/]+"}/${meth ? (regex ? meth : escapeRe(meth)) : "[^/]+"}` };
      out.push({
        route: {
          name: `${base}/rule/${rule.name ?? ri}/match/${mi}`,
          match: {
            path,
            headers: (m.headers ?? []).map((h) => ({ name: h.name.toLowerCase(), type: h.type ?? "Exact", value: h.value })),
            query: [],
            grpc: true,
          },
          action: act,
          requestHeaders: fr.requestHeaders,
          responseHeaders: fr.responseHeaders,
        },
        rank: {
          pathType: 0,
          pathLength: 0,
          method: 0,
          headers: m.headers?.length ?? 0,
          query: 0,
          grpcService: svc?.length ?? 0,
          grpcMethod: meth?.length ?? 0,
          routeOrder,
          rule: ri,
          match: mi,
        },
      });
    });
  });
  return out;
}

// Once per match of every route in a large translation: kept below FTL, whose compiles cost more
// than they save here (the reasoning and figures: src/validate/kinds/routes.ts, README).
noFTL(httpMatch);
