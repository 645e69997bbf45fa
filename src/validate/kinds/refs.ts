// References shared by routes: parentRefs, backendRefs and the HTTP filters HTTPRoute and GRPCRoute share.
import type { FieldPath } from "../../yaml/documents.ts";
import type { Reporter } from "../problems.ts";
import { bool, checkStr, int, known, list, obj, objItems, str } from "../fields.ts";
import { isObj, type Obj } from "../../yaml/value.ts";
import * as n from "../names.ts";
import { checkRegex } from "../regex.ts";
import { checkCorsItem, checkHeaderValue, checkModifiableHeaderName } from "../headers.ts";
import { quoted } from "../problems.ts";
import { noFTL } from "bun:jsc";

// The checks' options, built once: every route has these references (80,000 backendRefs at 10,000
// routes), and the validators run in a JIT tier that does not elide per-call literals (routes.ts).
const parentRefsList = { max: 32 };
const parentRefFields = ["group", "kind", "namespace", "name", "sectionName", "port"];
const requiredName = { ...n.objectName, required: true };
const portRange = { min: 1, max: 65535 };
const weightRange = { min: 0, max: 1_000_000 };
const sixteen = { max: 16 };

export function validateParentRefs(r: Reporter, spec: Obj, path: FieldPath): void {
  const items = objItems(r, list(r, spec, "parentRefs", path, parentRefsList), [...path, "parentRefs"]);
  const seen = new Map<string, number>();
  for (const [ref, p] of items) {
    known(r, ref, p, parentRefFields);
    str(r, ref, "group", p, n.group);
    str(r, ref, "kind", p, n.kind);
    str(r, ref, "namespace", p, n.namespace);
    str(r, ref, "name", p, requiredName);
    str(r, ref, "sectionName", p, n.sectionName);
    int(r, ref, "port", p, portRange);
    const key = JSON.stringify([ref.group ?? "", ref.kind ?? "", ref.namespace ?? "", ref.name, ref.sectionName ?? "", ref.port ?? ""]);
    const prev = seen.get(key);
    if (prev !== undefined) r.error(p, `duplicates parentRefs[${prev}]`);
    else seen.set(key, p[p.length - 1] as number);
  }
}

// Built once: a route at 10,000 routes has 80,000 backendRefs to check.
const backendRefFields = ["group", "kind", "namespace", "name", "port"];
const backendRefAllowed = {
  plain: backendRefFields,
  weight: [...backendRefFields, "weight"],
  filters: [...backendRefFields, "filters"],
  both: [...backendRefFields, "weight", "filters"],
};

export function validateBackendRef(r: Reporter, ref: Obj, p: FieldPath, opts: { weight: boolean; filters?: (f: Obj[], p: FieldPath) => void }): void {
  const allowed = opts.weight
    ? opts.filters
      ? backendRefAllowed.both
      : backendRefAllowed.weight
    : opts.filters
      ? backendRefAllowed.filters
      : backendRefAllowed.plain;
  known(r, ref, p, allowed);
  const group = str(r, ref, "group", p, n.group) ?? "";
  const kind = str(r, ref, "kind", p, n.kind) ?? "Service";
  str(r, ref, "namespace", p, n.namespace);
  str(r, ref, "name", p, requiredName);
  const port = int(r, ref, "port", p, portRange);
  if (group === "" && kind === "Service" && port === undefined && ref.port === undefined) r.error([...p, "port"], "is required for a Service reference");
  if (opts.weight) int(r, ref, "weight", p, weightRange);
  if (opts.filters && ref.filters !== undefined) {
    const fl = objItems(r, list(r, ref, "filters", p, sixteen), [...p, "filters"]);
    opts.filters(
      fl.map(([f]) => f),
      [...p, "filters"],
    );
  }
}

const filterTypes = ["RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect", "URLRewrite", "ExtensionRef", "CORS"] as const;
const filterField: Record<(typeof filterTypes)[number], string> = {
  RequestHeaderModifier: "requestHeaderModifier",
  ResponseHeaderModifier: "responseHeaderModifier",
  RequestMirror: "requestMirror",
  RequestRedirect: "requestRedirect",
  URLRewrite: "urlRewrite",
  ExtensionRef: "extensionRef",
  CORS: "cors",
};

export interface FilterRules {
  /** Filter types this route kind and position allow. */
  types: ReadonlyArray<(typeof filterTypes)[number]>;
}

export function validateFilters(r: Reporter, filters: Obj[], path: FieldPath, rules: FilterRules): void {
  const counts = new Map<string, number>();
  filters.forEach((f, i) => {
    const p = [...path, i];
    known(r, f, p, ["type", ...Object.values(filterField)]);
    const type = str(r, f, "type", p, { required: true });
    if (type === undefined) return;
    if (!(filterTypes as readonly string[]).includes(type)) {
      r.error([...p, "type"], `unknown filter type ${quoted(type)} (supported: ${rules.types.join(", ")})`);
      return;
    }
    const t = type as (typeof filterTypes)[number];
    if (!rules.types.includes(t)) {
      r.error([...p, "type"], `filter type ${t} is not allowed here (allowed: ${rules.types.join(", ")})`);
      return;
    }
    counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [ft, field] of Object.entries(filterField)) {
      if (ft !== t && f[field] !== undefined) r.error([...p, field], `must not be set when type is ${t}`);
    }
    const body = obj(r, f, filterField[t], p, true);
    if (!body) return;
    const bp = [...p, filterField[t]];
    switch (t) {
      case "RequestHeaderModifier":
      case "ResponseHeaderModifier":
        validateHeaderModifier(r, body, bp);
        break;
      case "RequestMirror":
        validateMirror(r, body, bp);
        break;
      case "RequestRedirect":
        validateRedirect(r, body, bp);
        break;
      case "URLRewrite":
        known(r, body, bp, ["hostname", "path"]);
        str(r, body, "hostname", bp, n.preciseHostname);
        validatePathModifier(r, body, bp);
        break;
      case "ExtensionRef":
        known(r, body, bp, ["group", "kind", "name"]);
        str(r, body, "group", bp, { ...n.group, required: true });
        str(r, body, "kind", bp, { ...n.kind, required: true });
        str(r, body, "name", bp, { ...n.objectName, required: true });
        break;
      case "CORS":
        validateCors(r, body, bp);
        break;
    }
  });
  // The Gateway API allows a header modifier, redirect and rewrite at most once per rule.
  for (const t of ["RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite", "CORS"]) {
    if ((counts.get(t) ?? 0) > 1) r.error(path, `${t} may be used at most once`);
  }
  if (counts.has("RequestRedirect") && counts.has("URLRewrite")) r.error(path, "RequestRedirect and URLRewrite filters cannot be used together");
}

function validateHeaderModifier(r: Reporter, body: Obj, p: FieldPath): void {
  known(r, body, p, ["set", "add", "remove"]);
  const names = new Set<string>();
  for (const op of ["set", "add"] as const) {
    for (const [h, hp] of objItems(r, list(r, body, op, p, { max: 16 }), [...p, op])) {
      known(r, h, hp, ["name", "value"]);
      const name = str(r, h, "name", hp, { ...n.headerName, required: true });
      const value = str(r, h, "value", hp, { required: true, max: 4096 });
      if (value !== undefined) checkHeaderValue(r, value, [...hp, "value"]);
      if (name) checkModifiableHeaderName(r, name, op, [...hp, "name"]);
      if (name) {
        const k = `${op}:${name.toLowerCase()}`;
        if (names.has(k)) r.error([...hp, "name"], `header ${quoted(name)} appears more than once in ${op}`);
        names.add(k);
      }
    }
  }
  const remove = list(r, body, "remove", p, { max: 16 });
  remove?.forEach((h, i) => {
    if (typeof h !== "string") r.error([...p, "remove", i], "must be a string");
    else if (checkStr(r, h, [...p, "remove", i], n.headerName)) checkModifiableHeaderName(r, h, "remove", [...p, "remove", i]);
  });
}

function validateMirror(r: Reporter, body: Obj, p: FieldPath): void {
  known(r, body, p, ["backendRef", "percent", "fraction"]);
  const ref = obj(r, body, "backendRef", p, true);
  if (ref) validateBackendRef(r, ref, [...p, "backendRef"], { weight: false });
  int(r, body, "percent", p, { min: 0, max: 100 });
  const fr = obj(r, body, "fraction", p);
  if (fr) {
    const fp = [...p, "fraction"];
    known(r, fr, fp, ["numerator", "denominator"]);
    const num = int(r, fr, "numerator", fp, { required: true, min: 0 });
    const den = int(r, fr, "denominator", fp, { min: 1 }) ?? 100;
    if (num !== undefined && num > den) r.error([...fp, "numerator"], "must be less than or equal to denominator");
  }
  if (body.percent !== undefined && fr) r.error(p, "only one of percent or fraction may be specified");
}

function validateRedirect(r: Reporter, body: Obj, p: FieldPath): void {
  known(r, body, p, ["scheme", "hostname", "path", "port", "statusCode"]);
  str(r, body, "scheme", p, { oneOf: ["http", "https"] });
  str(r, body, "hostname", p, n.preciseHostname);
  int(r, body, "port", p, { min: 1, max: 65535 });
  const code = int(r, body, "statusCode", p);
  if (code !== undefined && ![301, 302, 303, 307, 308].includes(code)) r.error([...p, "statusCode"], `must be one of 301, 302, 303, 307, 308 (got ${code})`);
  validatePathModifier(r, body, p);
}

function validatePathModifier(r: Reporter, body: Obj, p: FieldPath): void {
  const path = obj(r, body, "path", p);
  if (!path) return;
  const pp = [...p, "path"];
  known(r, path, pp, ["type", "replaceFullPath", "replacePrefixMatch"]);
  const type = str(r, path, "type", pp, { required: true, oneOf: ["ReplaceFullPath", "ReplacePrefixMatch"] });
  const full = str(r, path, "replaceFullPath", pp, { max: 1024 });
  const prefix = str(r, path, "replacePrefixMatch", pp, { max: 1024 });
  if (full !== undefined) checkHeaderValue(r, full, [...pp, "replaceFullPath"]);
  if (prefix !== undefined) checkHeaderValue(r, prefix, [...pp, "replacePrefixMatch"]);
  if (type === "ReplaceFullPath" && path.replaceFullPath === undefined) r.error([...pp, "replaceFullPath"], "is required when type is ReplaceFullPath");
  if (type === "ReplacePrefixMatch" && path.replacePrefixMatch === undefined)
    r.error([...pp, "replacePrefixMatch"], "is required when type is ReplacePrefixMatch");
  if (type === "ReplaceFullPath" && path.replacePrefixMatch !== undefined)
    r.error([...pp, "replacePrefixMatch"], "must not be set when type is ReplaceFullPath");
  if (type === "ReplacePrefixMatch" && path.replaceFullPath !== undefined)
    r.error([...pp, "replaceFullPath"], "must not be set when type is ReplacePrefixMatch");
}

function validateCors(r: Reporter, body: Obj, p: FieldPath): void {
  known(r, body, p, ["allowOrigins", "allowCredentials", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge"]);
  for (const k of ["allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders"]) {
    const l = list(r, body, k, p, { max: 64 });
    l?.forEach((v, i) => {
      if (typeof v !== "string") r.error([...p, k, i], "must be a string");
      else checkCorsItem(r, k, v, [...p, k, i]);
    });
    if (k !== "exposeHeaders" && l && l.includes("*") && l.length > 1) r.error([...p, k], `cannot contain '*' alongside other values`);
  }
  bool(r, body, "allowCredentials", p);
  int(r, body, "maxAge", p, { min: 1 });
}

const headerMatchFields = ["type", "name", "value"];
const exactOrRegex = { oneOf: ["Exact", "RegularExpression"] };
const requiredHeaderName = { ...n.headerName, required: true };
const headerMatchValue = { required: true, min: 1, max: 4096 };

export function validateHeaderMatches(r: Reporter, m: Obj, p: FieldPath): void {
  const seen = new Set<string>();
  for (const [h, hp] of objItems(r, list(r, m, "headers", p, sixteen), [...p, "headers"])) {
    known(r, h, hp, headerMatchFields);
    str(r, h, "type", hp, exactOrRegex);
    const name = str(r, h, "name", hp, requiredHeaderName);
    str(r, h, "value", hp, headerMatchValue);
    if (h.type === "RegularExpression" && typeof h.value === "string") checkRegex(r, h.value, [...hp, "value"]);
    if (name) {
      if (seen.has(name.toLowerCase())) r.error([...hp, "name"], `header ${quoted(name)} is matched more than once`);
      seen.add(name.toLowerCase());
    }
  }
}

// Regexes are checked with RE2 itself (src/validate/regex.ts).
export { checkRegex };

export const isRecord = isObj;

// Run once per reference; kept below the FTL tier like the route validators (routes.ts says why).
noFTL(validateBackendRef);
noFTL(validateHeaderMatches);
