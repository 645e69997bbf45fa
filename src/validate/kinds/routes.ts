// HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and UDPRoute specs.
import type { KubeObject } from "../../store/types.ts";
import type { FieldPath } from "../../yaml/documents.ts";
import { quoted, type Reporter } from "../problems.ts";
import { int, known, list, obj, objItems, str } from "../fields.ts";
import type { Obj } from "../../yaml/value.ts";
import * as n from "../names.ts";
import { checkHeaderValue } from "../headers.ts";
import { checkGrpcMethodRegex } from "../regex.ts";
import { noFTL } from "bun:jsc";
import { checkRegex, validateBackendRef, validateFilters, validateHeaderMatches, validateParentRefs } from "./refs.ts";

// The checks' options, built once per module, not per call (refs.ts says why).
const sixteen = { max: 16 };
const sixtyFour = { max: 64 };
const specPath = ["spec"];
const httpRouteFields = ["parentRefs", "hostnames", "rules", "useDefaultGateways"];
const httpRuleFields = ["name", "matches", "filters", "backendRefs", "timeouts", "retry", "sessionPersistence"];
const httpMatchFields = ["path", "headers", "queryParams", "method"];
const queryParamFields = ["type", "name", "value"];
const exactOrRegex = { oneOf: ["Exact", "RegularExpression"] };
const queryParamName = { required: true, min: 1, max: 256, pattern: /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/, patternName: "a valid query parameter name" };
const queryParamValue = { required: true, min: 1, max: 1024 };
const pathMatchFields = ["type", "value"];
const pathMatchType = { oneOf: ["Exact", "PathPrefix", "RegularExpression"] };
const pathMatchValue = { max: 1024 };

function validateCommon(r: Reporter, spec: Obj, sp: FieldPath, hostnames: boolean): void {
  validateParentRefs(r, spec, sp);
  if (!hostnames) return;
  const hosts = list(r, spec, "hostnames", sp, sixteen);
  hosts?.forEach((h, i) => {
    if (typeof h !== "string") r.error([...sp, "hostnames", i], "must be a string");
    else validateHostname(r, h, [...sp, "hostnames", i]);
  });
}

function validateHostname(r: Reporter, h: string, p: FieldPath): void {
  if (!n.hostname.pattern!.test(h) || h.length > 253) r.error(p, `${quoted(h)} is not ${n.hostname.patternName}`);
}

function validateRuleName(r: Reporter, rule: Obj, p: FieldPath, names: Map<string, number>, i: number): void {
  const name = str(r, rule, "name", p, n.sectionName);
  if (name === undefined) return;
  const prev = names.get(name);
  if (prev !== undefined) r.error([...p, "name"], `rule name ${quoted(name)} is already used by spec.rules[${prev}]`);
  else names.set(name, i);
}

const httpFilterTypes = ["RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect", "URLRewrite", "ExtensionRef", "CORS"] as const;
const backendFilterTypes = ["RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "ExtensionRef"] as const;
const methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
const methodOpts = { oneOf: methods };

export function validateHTTPRoute(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = specPath;
  known(r, spec, sp, httpRouteFields);
  validateCommon(r, spec, sp, true);
  const rules = objItems(r, list(r, spec, "rules", sp, sixteen), [...sp, "rules"]);
  const names = new Map<string, number>();
  let totalMatches = 0;
  // One options object per route, not per backendRef.
  const backendOpts: BackendOpts = { weight: true, filters: (fs, fp) => validateFilters(r, fs, fp, { types: backendFilterTypes }) };
  rules.forEach(([rule, p], i) => {
    totalMatches += validateHTTPRule(r, rule, p, i, names, backendOpts);
  });
  if (totalMatches > 128) r.error([...sp, "rules"], `must have at most 128 matches in total across all rules (got ${totalMatches})`);
}

type BackendOpts = Parameters<typeof validateBackendRef>[3];

/** One of an HTTPRoute's rules (spec.rules[i]); returns how many matches it has. */
function validateHTTPRule(r: Reporter, rule: Obj, p: FieldPath, i: number, names: Map<string, number>, backendOpts: BackendOpts): number {
  known(r, rule, p, httpRuleFields);
  validateRuleName(r, rule, p, names, i);
  const matches = objItems(r, list(r, rule, "matches", p, sixtyFour), [...p, "matches"]);
  for (const [m, mp] of matches) {
    known(r, m, mp, httpMatchFields);
    const path = obj(r, m, "path", mp);
    if (path) validatePathMatch(r, path, [...mp, "path"]);
    validateHeaderMatches(r, m, mp);
    for (const [q, qp] of objItems(r, list(r, m, "queryParams", mp, sixteen), [...mp, "queryParams"])) {
      known(r, q, qp, queryParamFields);
      str(r, q, "type", qp, exactOrRegex);
      str(r, q, "name", qp, queryParamName);
      str(r, q, "value", qp, queryParamValue);
      if (q.type === "RegularExpression" && typeof q.value === "string") checkRegex(r, q.value, [...qp, "value"]);
    }
    str(r, m, "method", mp, methodOpts);
  }
  const filters = objItems(r, list(r, rule, "filters", p, sixteen), [...p, "filters"]);
  validateFilters(
    r,
    filters.map(([f]) => f),
    [...p, "filters"],
    { types: httpFilterTypes },
  );
  for (const [b, bp] of objItems(r, list(r, rule, "backendRefs", p, sixteen), [...p, "backendRefs"])) {
    validateBackendRef(r, b, bp, backendOpts);
  }
  const hasRedirect = filters.some(([f]) => f.type === "RequestRedirect");
  if (hasRedirect && Array.isArray(rule.backendRefs) && rule.backendRefs.length > 0)
    r.error([...p, "backendRefs"], "must be empty when a RequestRedirect filter is used");
  const timeouts = obj(r, rule, "timeouts", p);
  if (timeouts) {
    const tp = [...p, "timeouts"];
    known(r, timeouts, tp, ["request", "backendRequest"]);
    const req = str(r, timeouts, "request", tp, n.duration);
    const be = str(r, timeouts, "backendRequest", tp, n.duration);
    if (req !== undefined && be !== undefined && n.durationMs(req) !== 0 && n.durationMs(be) > n.durationMs(req)) {
      r.error([...tp, "backendRequest"], "backendRequest timeout cannot be longer than request timeout");
    }
  }
  const retry = obj(r, rule, "retry", p);
  if (retry) {
    const rp = [...p, "retry"];
    known(r, retry, rp, ["codes", "attempts", "backoff"]);
    list(r, retry, "codes", rp)?.forEach((c, ci) => {
      if (typeof c !== "number" || !Number.isInteger(c) || c < 400 || c > 599)
        r.error([...rp, "codes", ci], `must be an HTTP status code between 400 and 599 (got ${quoted(c)})`);
    });
    int(r, retry, "attempts", rp, { min: 0 });
    str(r, retry, "backoff", rp, n.duration);
  }
  return matches.length;
}

function validatePathMatch(r: Reporter, path: Obj, p: FieldPath): void {
  known(r, path, p, pathMatchFields);
  const type = str(r, path, "type", p, pathMatchType) ?? "PathPrefix";
  const value = str(r, path, "value", p, pathMatchValue);
  if (value === undefined) return;
  const vp = [...p, "value"];
  if (type === "RegularExpression") {
    checkRegex(r, value, vp);
    return;
  }
  if (!value.startsWith("/")) {
    r.error(vp, `must be an absolute path starting with '/' when type is ${type} (got ${quoted(value)})`);
    return;
  }
  if (value.includes("//")) r.error(vp, "must not contain '//'");
  else if (/(^|\/)\.\.?(\/|$)/.test(value)) r.error(vp, "must not contain '/./' or '/../' segments");
  else if (/[#?]/.test(value)) r.error(vp, "must not contain '#' or '?' (use queryParams to match the query)");
  else if (/%2f|%2F/.test(value)) r.error(vp, "must not contain '%2f' or '%2F'");
  else checkHeaderValue(r, value, vp);
}

export function validateGRPCRoute(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = ["spec"];
  known(r, spec, sp, ["parentRefs", "hostnames", "rules"]);
  validateCommon(r, spec, sp, true);
  const rules = objItems(r, list(r, spec, "rules", sp, { max: 16 }), [...sp, "rules"]);
  const names = new Map<string, number>();
  rules.forEach(([rule, p], i) => {
    known(r, rule, p, ["name", "matches", "filters", "backendRefs", "sessionPersistence"]);
    validateRuleName(r, rule, p, names, i);
    for (const [m, mp] of objItems(r, list(r, rule, "matches", p, { max: 64 }), [...p, "matches"])) {
      known(r, m, mp, ["method", "headers"]);
      const method = obj(r, m, "method", mp);
      if (method) {
        const xp = [...mp, "method"];
        known(r, method, xp, ["type", "service", "method"]);
        const type = str(r, method, "type", xp, { oneOf: ["Exact", "RegularExpression"] }) ?? "Exact";
        const svc = str(r, method, "service", xp, { max: 1024 });
        const meth = str(r, method, "method", xp, { max: 1024 });
        if (svc === undefined && meth === undefined) r.error(xp, "one or both of service and method must be specified");
        if (type === "Exact") {
          if (svc !== undefined && !/^(?:[A-Za-z_][A-Za-z_0-9]*\.)*[A-Za-z_][A-Za-z_0-9]*$/.test(svc))
            r.error([...xp, "service"], `${quoted(svc)} is not a valid gRPC service name`);
          if (meth !== undefined && !/^[A-Za-z_][A-Za-z_0-9]*$/.test(meth)) r.error([...xp, "method"], `${quoted(meth)} is not a valid gRPC method name`);
        } else {
          checkGrpcMethodRegex(r, svc, meth, xp);
        }
      }
      validateHeaderMatches(r, m, mp);
    }
    const filters = objItems(r, list(r, rule, "filters", p, sixteen), [...p, "filters"]);
    validateFilters(
      r,
      filters.map(([f]) => f),
      [...p, "filters"],
      { types: ["RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "ExtensionRef"] },
    );
    for (const [b, bp] of objItems(r, list(r, rule, "backendRefs", p, { max: 16 }), [...p, "backendRefs"])) {
      validateBackendRef(r, b, bp, { weight: true, filters: (fs, fp) => validateFilters(r, fs, fp, { types: backendFilterTypes }) });
    }
  });
}

/** TLSRoute, TCPRoute, UDPRoute: parentRefs and one rule of weighted backends; hostnames for TLS only. */
function validateBackendsOnlyRoute(o: KubeObject, r: Reporter, fields: readonly string[], hostnames: boolean): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = ["spec"];
  known(r, spec, sp, fields);
  validateCommon(r, spec, sp, hostnames);
  const rules = objItems(r, list(r, spec, "rules", sp, { required: true, min: 1, max: 1 }), [...sp, "rules"]);
  const names = new Map<string, number>();
  rules.forEach(([rule, p], i) => {
    known(r, rule, p, ["name", "backendRefs"]);
    validateRuleName(r, rule, p, names, i);
    for (const [b, bp] of objItems(r, list(r, rule, "backendRefs", p, { required: true, min: 1, max: 16 }), [...p, "backendRefs"])) {
      validateBackendRef(r, b, bp, { weight: true });
    }
  });
}

export function validateTLSRoute(o: KubeObject, r: Reporter): void {
  validateBackendsOnlyRoute(o, r, ["parentRefs", "hostnames", "rules"], true);
}

/** TCPRoute and UDPRoute have no hostnames. */
export function validateL4Route(o: KubeObject, r: Reporter): void {
  validateBackendsOnlyRoute(o, r, ["parentRefs", "rules", "useDefaultGateways"], false);
}

export function validateReferenceGrant(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = ["spec"];
  known(r, spec, sp, ["from", "to"]);
  for (const [f, fp] of objItems(r, list(r, spec, "from", sp, { required: true, min: 1, max: 16 }), [...sp, "from"])) {
    known(r, f, fp, ["group", "kind", "namespace"]);
    str(r, f, "group", fp, { ...n.group, required: true });
    str(r, f, "kind", fp, { ...n.kind, required: true });
    str(r, f, "namespace", fp, { ...n.namespace, required: true });
  }
  for (const [t, tp] of objItems(r, list(r, spec, "to", sp, { required: true, min: 1, max: 16 }), [...sp, "to"])) {
    known(r, t, tp, ["group", "kind", "name"]);
    str(r, t, "group", tp, { ...n.group, required: true });
    str(r, t, "kind", tp, { ...n.kind, required: true });
    str(r, t, "name", tp, n.objectName);
  }
}

// Validators run once per object, each call short: JavaScriptCore's top tier (FTL) recompiles them
// (each several times, as objects of new shapes arrive) for longer than its code then saves. At
// 10,000 HTTPRoutes these few FTL compiles cost about 150 ms of CPU (render and validate, a 2-core
// machine) and the optimizing tier below it (DFG) runs them as fast. Only the tier is chosen: the
// checks are the same.
noFTL(validateHTTPRoute);
noFTL(validateHTTPRule);
noFTL(validatePathMatch);
