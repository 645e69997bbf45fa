// Evaluates cases.json statusAssertions against the computed status with the suite's matching
// rules (conformance/utils/kubernetes/helpers.go at v1.6.1, summarised in REPORT.md §5):
// - a condition matches on type + status, reason only when the expected reason is non-empty,
//   extra conditions allowed (findConditionInList / conditionsMatch);
// - every read first requires the object's conditions to carry observedGeneration ==
//   metadata.generation (ConditionsHaveLatestObservedGeneration);
// - route parents match on controllerName, group, kind, name, namespace (a nil namespace is
//   accepted when the route is in the Gateway's namespace) and conditions (parentsForRouteMatch;
//   sectionName is not compared there);
// - GatewayStatusMustHaveListeners needs exactly the expected listener entries, equal
//   attachedRoutes, a superset of supportedKinds (none expected = none present), matching conditions;
// - GatewayMustHaveZeroRoutes accepts no listener status or exactly one listener with 0 routes.
import type { KubeObjectLike } from "./objects.ts";
import { findEntry, type ConditionJson, type StatusEntry } from "./status-model.ts";
import type { StatusAssertionJson } from "./suite.ts";

export interface ExpectedCondition {
  type: string;
  status: string;
  reason: string;
}

export interface StatusContext {
  status: readonly StatusEntry[];
  objects: readonly KubeObjectLike[];
  controllerName: string;
  gatewayClassName: string;
}

export type AssertionResult = { ok: true } | { ok: false; untranscribed?: boolean; mutation?: boolean; message: string };

const GROUP = "gateway.networking.k8s.io";

// --- argument parsing --------------------------------------------------------------------------

/** `{'$expr': 'gatewayv1.ListenerSetConditionAccepted'}` -> "Accepted" (the Go constant's value). */
function resolveExpr(s: string): string {
  return s.replace(/\{'\$expr': 'gatewayv1\.\w+?(?:Condition|Reason)(\w+)'\}/g, "$1");
}

export function parseCondition(text: string): ExpectedCondition | undefined {
  const m = /^(\w+)=(True|False|Unknown)(?: \(reason (\w*)\))?$/.exec(resolveExpr(text).trim());
  return m ? { type: m[1]!, status: m[2]!, reason: m[3] ?? "" } : undefined;
}

const ACCEPTED_LISTENER: ExpectedCondition[] = [
  { type: "ResolvedRefs", status: "True", reason: "" },
  { type: "Accepted", status: "True", reason: "" },
  { type: "Programmed", status: "True", reason: "" },
];

function parseConditions(v: unknown): ExpectedCondition[] | undefined {
  if (v === "generateAcceptedListenerConditions()" || v === "<generateAcceptedListenerConditions()>") return ACCEPTED_LISTENER;
  if (typeof v === "string") {
    const c = parseCondition(v);
    return c ? [c] : undefined;
  }
  if (!Array.isArray(v)) return undefined;
  const out: ExpectedCondition[] = [];
  for (const x of v) {
    const c = typeof x === "string" ? parseCondition(x) : undefined;
    if (!c) return undefined;
    out.push(c);
  }
  return out;
}

export interface NN {
  namespace: string;
  name: string;
}

function parseNN(v: unknown): NN | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^([a-z0-9.-]+)\/([a-z0-9.-]+)$/.exec(v.trim());
  return m ? { namespace: m[1]!, name: m[2]! } : undefined;
}

function parseNNList(v: unknown): NN[] | undefined {
  const list = Array.isArray(v) ? v : [v];
  const out: NN[] = [];
  for (const x of list) {
    const nn = parseNN(x);
    if (!nn) return undefined;
    out.push(nn);
  }
  return out;
}

/** "Gateway ns/name [listeners a,b]" or "Resource {... 'Kind': 'ListenerSet'} ns/name". */
function parseParent(v: unknown): { kind: string; nn: NN; listeners: string[] } | undefined {
  if (typeof v !== "string") return undefined;
  const gw = /^Gateway ([a-z0-9.-]+\/[a-z0-9.-]+)(?: listeners (\S+))?$/.exec(v);
  if (gw) {
    const nn = parseNN(gw[1]);
    return nn ? { kind: "Gateway", nn, listeners: gw[2] ? gw[2].split(",") : [] } : undefined;
  }
  const res = /^Resource \{.*'Kind': '(\w+)'\} ([a-z0-9.-]+\/[a-z0-9.-]+)$/.exec(v);
  if (res) {
    const nn = parseNN(res[2]);
    return nn ? { kind: res[1]!, nn, listeners: [] } : undefined;
  }
  return undefined;
}

const unquote = (v: unknown) => (typeof v === "string" && /^".*"$/.test(v) ? v.slice(1, -1) : v);

// --- the suite's matching rules ----------------------------------------------------------------

export function findConditionInList(conds: readonly ConditionJson[] | undefined, e: ExpectedCondition): boolean {
  return (conds ?? []).some((c) => c.type === e.type && (e.status === "" || c.status === e.status) && (e.reason === "" || c.reason === e.reason));
}

export function conditionsMatch(expected: readonly ExpectedCondition[], actual: readonly ConditionJson[] | undefined): boolean {
  if ((actual ?? []).length < expected.length) return false;
  return expected.every((e) => findConditionInList(actual, e));
}

function generationOf(ctx: StatusContext, kind: string, nn: NN | undefined, name: string): number {
  const o = ctx.objects.find((x) => x.kind === kind && x.metadata.name === name && (kind === "GatewayClass" || x.metadata.namespace === nn?.namespace));
  return o?.metadata.generation ?? 1;
}

function latest(ctx: StatusContext, kind: string, nn: NN, conds: readonly ConditionJson[] | undefined): string | undefined {
  const gen = generationOf(ctx, kind, nn, nn.name);
  const stale = (conds ?? []).filter((c) => c.observedGeneration !== gen);
  return stale.length === 0
    ? undefined
    : `${kind} ${nn.namespace}/${nn.name}: observedGeneration of ${stale.map((c) => `${c.type}=${c.observedGeneration ?? "unset"}`).join(", ")} != generation ${gen}`;
}

const fail = (message: string): AssertionResult => ({ ok: false, message });
const OK: AssertionResult = { ok: true };

function entry(ctx: StatusContext, kind: string, nn: NN): StatusEntry | undefined {
  return findEntry(ctx.status, kind, nn.namespace, nn.name);
}

function routeParentsMatch(ctx: StatusContext, routeKind: string, route: NN, parent: { kind: string; nn: NN; listeners: string[] }): AssertionResult {
  const e = entry(ctx, routeKind, route);
  if (!e) return fail(`${routeKind} ${route.namespace}/${route.name}: no status`);
  const namespaceRequired = route.namespace !== parent.nn.namespace;
  const expectedCount = Math.max(1, parent.listeners.length);
  // One expected parent per listener name (or one without sectionName); parentsForRouteMatch
  // does not compare sectionName, so the expectations are identical and one match satisfies all.
  void expectedCount;
  const parents = e.status.parents ?? [];
  const stale = parents.map((p) => latest(ctx, routeKind, route, p.conditions)).find((x) => x !== undefined);
  const match = parents.some((p) => {
    if (p.controllerName !== ctx.controllerName) return false;
    if ((p.parentRef.group ?? GROUP) !== GROUP || (p.parentRef.kind ?? "Gateway") !== parent.kind) return false;
    // The expectation sets Group and Kind explicitly; reflect.DeepEqual(nil, &"Gateway") is false.
    if (p.parentRef.group === undefined || p.parentRef.kind === undefined) return false;
    if (p.parentRef.name !== parent.nn.name) return false;
    if (p.parentRef.namespace !== parent.nn.namespace && (namespaceRequired || p.parentRef.namespace !== undefined)) return false;
    return conditionsMatch([{ type: "Accepted", status: "True", reason: "Accepted" }], p.conditions);
  });
  if (!match)
    return fail(
      `${routeKind} ${route.namespace}/${route.name}: no parent ${parent.kind} ${parent.nn.namespace}/${parent.nn.name} with controllerName ${ctx.controllerName}, explicit group/kind and Accepted=True (reason Accepted); got ${JSON.stringify(parents)}`,
    );
  if (stale) return fail(stale);
  return OK;
}

/**
 * Expressions cases.json leaves unresolved in HTTPRouteMustHaveParents expectations, resolved by
 * reading the Go source: `parentRefTo(gwNN)` at httproute-hostname-intersection.go:222 is called
 * with the gwNN of line 46 (gateway-conformance-infra/httproute-hostname-intersection), and
 * parentRefTo (line 372) sets group, kind Gateway, namespace and name.
 */
const PARENT_REF_EXPRS: Record<string, { kind: string; nn: NN }> = {
  "gateway-conformance-infra/no-intersecting-hosts@222": {
    kind: "Gateway",
    nn: { namespace: "gateway-conformance-infra", name: "httproute-hostname-intersection" },
  },
};

interface ExpectedParent {
  kind: string;
  nn: NN;
  conditions: ExpectedCondition[];
}

/** One RouteParentStatus literal of cases.json: ControllerName is always suite.ControllerName. */
function expectedParent(v: unknown, site: string): ExpectedParent | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const conditions = parseConditions(r.Conditions);
  if (!conditions || !/suite\.ControllerName/.test(String(r.ControllerName))) return undefined;
  if (typeof r.ParentRef === "string") {
    const p = /^<parentRefTo\(\w+\)>$/.test(r.ParentRef) ? PARENT_REF_EXPRS[site] : undefined;
    return p ? { ...p, conditions } : undefined;
  }
  if (typeof r.ParentRef !== "object" || r.ParentRef === null) return undefined;
  const ref = r.ParentRef as Record<string, unknown>;
  const kind = /^<gatewayv1\.Kind\("(\w+)"\)>$/.exec(String(ref.Kind))?.[1];
  const groupOk = /GroupVersion\.Group/.test(String(ref.Group));
  if (!kind || !groupOk || typeof ref.Name !== "string" || typeof ref.Namespace !== "string") return undefined;
  return { kind, nn: { namespace: ref.Namespace, name: ref.Name }, conditions };
}

/** parentsForRouteMatch for one expected parent (helpers.go): group and kind set, name, namespace, conditions. */
function routeParentMatches(ctx: StatusContext, routeKind: string, route: NN, x: ExpectedParent, namespaceRequired: boolean): AssertionResult {
  const e = entry(ctx, routeKind, route);
  if (!e) return fail(`${routeKind} ${route.namespace}/${route.name}: no status`);
  const parents = e.status.parents ?? [];
  const stale = parents.map((p) => latest(ctx, routeKind, route, p.conditions)).find((s) => s !== undefined);
  if (stale) return fail(stale);
  const ok = parents.some(
    (p) =>
      p.controllerName === ctx.controllerName &&
      p.parentRef.group === GROUP &&
      p.parentRef.kind === x.kind &&
      p.parentRef.name === x.nn.name &&
      (p.parentRef.namespace === x.nn.namespace || (!namespaceRequired && p.parentRef.namespace === undefined)) &&
      conditionsMatch(x.conditions, p.conditions),
  );
  return ok
    ? OK
    : fail(
        `${routeKind} ${route.namespace}/${route.name}: no parent ${x.kind} ${x.nn.namespace}/${x.nn.name} with ${JSON.stringify(x.conditions)}; got ${JSON.stringify(parents)}`,
      );
}

function listenersHaveConditions(ctx: StatusContext, kind: "Gateway" | "ListenerSet", nn: NN, conds: ExpectedCondition[], only: string[]): AssertionResult {
  const e = entry(ctx, kind, nn);
  if (!e) return fail(`${kind} ${nn.namespace}/${nn.name}: no status`);
  if (kind === "ListenerSet") {
    const st = latest(ctx, kind, nn, e.status.conditions);
    if (st) return fail(st);
  }
  const pending = new Set(only);
  for (const c of conds) {
    for (const l of e.status.listeners ?? []) {
      if (only.length > 0 && !only.includes(l.name)) continue;
      if (!findConditionInList(l.conditions, c))
        return fail(
          `${kind} ${nn.namespace}/${nn.name} listener ${l.name}: missing ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}; has ${JSON.stringify(l.conditions ?? [])}`,
        );
      pending.delete(l.name);
    }
  }
  if (pending.size > 0) return fail(`${kind} ${nn.namespace}/${nn.name}: listeners ${[...pending].join(",")} have no status`);
  return OK;
}

function gatewayAddress(ctx: StatusContext, nn: NN): AssertionResult {
  const e = entry(ctx, "Gateway", nn);
  if (!e) return fail(`Gateway ${nn.namespace}/${nn.name}: no status`);
  const st = latest(ctx, "Gateway", nn, e.status.conditions);
  if (st) return fail(st);
  // WaitForGatewayAddress takes the first address whose type is set.
  if (!(e.status.addresses ?? []).some((a) => a.type !== undefined && a.value !== ""))
    return fail(`Gateway ${nn.namespace}/${nn.name}: status.addresses has no typed address`);
  return OK;
}

function expectedListeners(v: unknown): { name: string; attachedRoutes: number; kinds: string[]; conditions: ExpectedCondition[] }[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = [];
  for (const x of v) {
    if (typeof x !== "object" || x === null) return undefined;
    const r = x as Record<string, unknown>;
    const nameRaw = String(r.Name ?? "");
    const name = /^<gatewayv1\.SectionName\("(.*)"\)>$/.exec(nameRaw)?.[1] ?? nameRaw;
    const conditions = parseConditions(r.Conditions);
    // A null kind is the one call the transcription left unresolved: every SupportedKinds of the
    // listenerset-*.go tests is generateSupportedRouteKinds(), which returns [{gateway group,
    // HTTPRoute}] (conformance/tests/listenerset-http-routing.go:293 at v1.6.1).
    const kinds = Array.isArray(r.SupportedKinds) ? r.SupportedKinds.map((k) => (k === null ? "HTTPRoute" : k)) : [];
    if (!conditions || kinds.some((k) => typeof k !== "string") || name.startsWith("<")) return undefined;
    out.push({ name, attachedRoutes: Number(r.AttachedRoutes ?? 0), kinds: kinds as string[], conditions });
  }
  return out;
}

function listenersMatch(ctx: StatusContext, kind: "Gateway" | "ListenerSet", nn: NN, v: unknown): AssertionResult {
  const exp = expectedListeners(v);
  if (!exp) return { ok: false, untranscribed: true, message: `untranscribed listener expectation ${JSON.stringify(v).slice(0, 120)}` };
  const e = entry(ctx, kind, nn);
  if (!e) return fail(`${kind} ${nn.namespace}/${nn.name}: no status`);
  const actual = e.status.listeners ?? [];
  if (actual.length !== exp.length) return fail(`${kind} ${nn.namespace}/${nn.name}: ${actual.length} listener statuses, expected ${exp.length}`);
  for (const x of exp) {
    const a = actual.find((l) => l.name === x.name);
    if (!a) return fail(`${kind} ${nn.namespace}/${nn.name}: no status for listener ${x.name}`);
    const ak = (a.supportedKinds ?? []).filter((k) => (k.group ?? GROUP) === GROUP).map((k) => k.kind);
    if (x.kinds.length === 0 && (a.supportedKinds ?? []).length !== 0) return fail(`listener ${x.name}: supportedKinds should be empty, got ${ak.join(",")}`);
    for (const k of x.kinds) if (!ak.includes(k)) return fail(`listener ${x.name}: supportedKinds lacks ${k} (got ${ak.join(",")})`);
    if (a.attachedRoutes !== x.attachedRoutes) return fail(`listener ${x.name}: attachedRoutes ${a.attachedRoutes}, expected ${x.attachedRoutes}`);
    if (!conditionsMatch(x.conditions, a.conditions))
      return fail(`listener ${x.name}: conditions ${JSON.stringify(a.conditions ?? [])} do not include ${JSON.stringify(x.conditions)}`);
  }
  return OK;
}

function routeHasCondition(ctx: StatusContext, routeKind: string, route: NN, gw: NN, c: ExpectedCondition): AssertionResult {
  const e = entry(ctx, routeKind, route);
  if (!e) return fail(`${routeKind} ${route.namespace}/${route.name}: no status`);
  let found = false;
  for (const p of e.status.parents ?? []) {
    if (p.parentRef.name === gw.name && (p.parentRef.namespace === undefined || p.parentRef.namespace === gw.namespace) && findConditionInList(p.conditions, c))
      found = true;
  }
  return found
    ? OK
    : fail(
        `${routeKind} ${route.namespace}/${route.name}: no parent ${gw.name} with ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}; parents ${JSON.stringify(e.status.parents ?? [])}`,
      );
}

function objectHasCondition(ctx: StatusContext, kind: string, nn: NN, c: ExpectedCondition): AssertionResult {
  const e = entry(ctx, kind, nn);
  if (!e) return fail(`${kind} ${nn.namespace}/${nn.name}: no status`);
  const st = latest(ctx, kind, nn, e.status.conditions);
  if (st) return fail(st);
  return findConditionInList(e.status.conditions, c)
    ? OK
    : fail(`${kind} ${nn.namespace}/${nn.name}: no ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}; has ${JSON.stringify(e.status.conditions ?? [])}`);
}

/**
 * Loop variables ("<routeNN (range var over routes)>") stand for every route the test's
 * GatewayAndHTTPRoutesMustBeAccepted calls name; expands such an assertion into one per route.
 */
export function expandRangeVars(assertions: readonly StatusAssertionJson[]): StatusAssertionJson[] {
  // The Go loop `for _, routeNN := range routes` follows the GatewayAndHTTPRoutesMustBeAccepted
  // call that took the same `routes`: expand with that call's routes, not every route of the test.
  let routes: string[] = [];
  return assertions.flatMap((a) => {
    const first =
      a.call === "GatewayAndHTTPRoutesMustBeAccepted"
        ? 1
        : a.call === "GatewayAndRoutesMustBeAccepted"
          ? 3
          : a.call === "RoutesAndParentMustBeAccepted"
            ? 2
            : -1;
    if (first !== -1) {
      const rs: string[] = [];
      for (const x of a.args.slice(first)) for (const r of Array.isArray(x) ? x : [x]) if (typeof r === "string" && parseNN(r)) rs.push(r);
      if (rs.length > 0) routes = rs;
    }
    const i = a.args.findIndex((x) => typeof x === "string" && /^<routeNN \(range var over/.test(x));
    if (i === -1 || routes.length === 0) return [a];
    return routes.map((r) => ({ ...a, args: a.args.map((x, j) => (j === i ? r : x)) }));
  });
}

/** Evaluates one statusAssertions entry. */
export function checkAssertion(ctx: StatusContext, a: StatusAssertionJson): AssertionResult {
  const [a0, a1, a2] = a.args;
  const untranscribed = (why: string): AssertionResult => ({
    ok: false,
    untranscribed: true,
    message: `${a.call}(${JSON.stringify(a.args).slice(0, 160)}): ${why}`,
  });
  switch (a.call) {
    case "GatewayAndHTTPRoutesMustBeAccepted":
    case "GatewayAndRoutesMustBeAccepted":
    case "RoutesAndParentMustBeAccepted": {
      const parent = parseParent(a0);
      const routeKind = a.call === "GatewayAndHTTPRoutesMustBeAccepted" ? "HTTPRoute" : /routeType=(\w+)/.exec(String(a1))?.[1];
      const rest =
        a.call === "GatewayAndHTTPRoutesMustBeAccepted" ? a.args.slice(1) : a.call === "RoutesAndParentMustBeAccepted" ? a.args.slice(2) : a.args.slice(3);
      const parsedRoutes = rest.map((x) => parseNNList(x));
      if (!parent || !routeKind || parsedRoutes.some((r) => r === undefined)) return untranscribed("unparsed arguments");
      const allRoutes = parsedRoutes.flatMap((r) => r ?? []);
      if (parent.kind === "Gateway") {
        const addr = gatewayAddress(ctx, parent.nn);
        if (!addr.ok) return addr;
      }
      for (const r of allRoutes) {
        const res = routeParentsMatch(ctx, routeKind, r, parent);
        if (!res.ok) return res;
      }
      return listenersHaveConditions(ctx, parent.kind === "ListenerSet" ? "ListenerSet" : "Gateway", parent.nn, ACCEPTED_LISTENER, []);
    }
    case "HTTPRouteMustHaveResolvedRefsConditionsTrue":
    case "HTTPRouteMustHaveCondition": {
      const route = parseNN(a0);
      const gw = parseNN(a1);
      const c = a.call === "HTTPRouteMustHaveCondition" ? parseCondition(String(a2)) : { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" };
      if (!route || !gw || !c) return untranscribed("unparsed arguments");
      return routeHasCondition(ctx, "HTTPRoute", route, gw, c);
    }
    case "HTTPRouteMustHaveNoAcceptedParents":
    case "TLSRouteMustHaveNoAcceptedParents": {
      const route = parseNN(a0);
      if (!route) return untranscribed("unparsed arguments");
      const kind = a.call.startsWith("TLS") ? "TLSRoute" : "HTTPRoute";
      const e = entry(ctx, kind, route);
      const parents = e?.status.parents ?? [];
      if (parents.length === 0) return OK;
      if (parents.length > 1) return fail(`${kind} ${route.name}: expected at most one parent status, got ${parents.length}`);
      return conditionsMatch([{ type: "Accepted", status: "False", reason: "" }], parents[0]!.conditions)
        ? OK
        : fail(`${kind} ${route.name}: parent is Accepted`);
    }
    // tls-cases.ts (helpers.go GatewayAndTLSRoutesMustBeAccepted): the Gateway has an address; with
    // a bare GatewayRef the Go helper expects no particular parent, the harness still asks for one
    // parent entry Accepted=True (stricter, and what the traffic cases need anyway).
    case "GatewayAndTLSRoutesMustBeAccepted": {
      const parent = parseParent(a0);
      const routes = a.args.slice(1).map((x) => parseNN(x));
      if (!parent || routes.some((r) => r === undefined)) return untranscribed("unparsed arguments");
      const addr = gatewayAddress(ctx, parent.nn);
      if (!addr.ok) return addr;
      for (const r of routes) {
        const res = routeParentsMatch(ctx, "TLSRoute", r!, parent);
        if (!res.ok) return res;
      }
      return OK;
    }
    case "TLSRouteMustHaveCondition":
    case "TLSRouteMustHaveResolvedRefsConditionsTrue": {
      const route = parseNN(a0);
      const gw = parseNN(a1);
      const c = a.call === "TLSRouteMustHaveCondition" ? parseCondition(String(a2)) : { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs" };
      if (!route || !gw || !c) return untranscribed("unparsed arguments");
      const e = entry(ctx, "TLSRoute", route);
      for (const p of e?.status.parents ?? []) {
        const st = latest(ctx, "TLSRoute", route, p.conditions);
        if (st) return fail(st);
      }
      return routeHasCondition(ctx, "TLSRoute", route, gw, c);
    }
    case "HTTPRouteMustHaveParents": {
      const route = parseNN(a0);
      const expected = Array.isArray(a1) ? a1.map((x) => expectedParent(x, `${String(a0)}@${a.line}`)) : undefined;
      if (!route || !expected || expected.some((x) => x === undefined)) return untranscribed("unparsed arguments");
      for (const x of expected) {
        const res = routeParentMatches(ctx, "HTTPRoute", route, x!, a2 === true);
        if (!res.ok) return res;
      }
      return OK;
    }
    case "GatewayMustHaveCondition": {
      const nn = parseNN(a0);
      const c = parseCondition(String(a1));
      if (!nn || !c) return untranscribed("unparsed arguments");
      return objectHasCondition(ctx, "Gateway", nn, c);
    }
    case "ListenerSetMustHaveCondition": {
      const nn = parseNN(a0);
      const c = parseCondition(String(a1));
      if (!nn || !c) return untranscribed("unparsed arguments");
      return objectHasCondition(ctx, "ListenerSet", nn, c);
    }
    case "BackendTLSPolicyMustHaveCondition":
    case "BackendTLSPolicyMustHaveAcceptedConditionTrue": {
      const nn = parseNN(a0);
      const gw = parseNN(a1);
      const c = a.call === "BackendTLSPolicyMustHaveCondition" ? parseCondition(String(a2)) : { type: "Accepted", status: "True", reason: "Accepted" };
      if (!nn || !gw || !c) return untranscribed("unparsed arguments");
      const e = entry(ctx, "BackendTLSPolicy", nn);
      if (!e) return fail(`BackendTLSPolicy ${nn.namespace}/${nn.name}: no status`);
      for (const anc of e.status.ancestors ?? []) {
        const st = latest(ctx, "BackendTLSPolicy", nn, anc.conditions);
        if (st) return fail(st);
        if (
          anc.ancestorRef.name === gw.name &&
          (anc.ancestorRef.namespace === undefined || anc.ancestorRef.namespace === gw.namespace) &&
          findConditionInList(anc.conditions, c)
        )
          return OK;
      }
      return fail(`BackendTLSPolicy ${nn.name}: no ancestor ${gw.name} with ${c.type}=${c.status}`);
    }
    case "GatewayMustHaveLatestConditions": {
      const nn = parseNN(a0);
      if (!nn) return untranscribed("unparsed arguments");
      const e = entry(ctx, "Gateway", nn);
      if (!e) return fail(`Gateway ${nn.namespace}/${nn.name}: no status`);
      return latest(ctx, "Gateway", nn, e.status.conditions) ? fail(latest(ctx, "Gateway", nn, e.status.conditions)!) : OK;
    }
    case "HTTPRouteMustHaveLatestConditions": {
      const nn = parseNN(a0);
      if (!nn) return untranscribed("unparsed arguments");
      const e = entry(ctx, "HTTPRoute", nn);
      for (const p of e?.status.parents ?? []) {
        const st = latest(ctx, "HTTPRoute", nn, p.conditions);
        if (st) return fail(st);
      }
      return OK;
    }
    case "GatewayClassMustHaveLatestConditions":
    case "GWCMustHaveAcceptedConditionAny": {
      const name = typeof a0 === "object" && a0 !== null && "Name" in a0 ? String((a0 as { Name: unknown }).Name) : ctx.gatewayClassName;
      const e = findEntry(ctx.status, "GatewayClass", undefined, name);
      if (!e) return fail(`GatewayClass ${name}: no status`);
      const st = latest(ctx, "GatewayClass", { namespace: "", name }, e.status.conditions);
      if (st) return fail(st);
      return a.call === "GWCMustHaveAcceptedConditionAny" && !findConditionInList(e.status.conditions, { type: "Accepted", status: "", reason: "" })
        ? fail(`GatewayClass ${name}: no Accepted condition`)
        : OK;
    }
    case "GatewayStatusMustHaveListeners":
    case "ListenerSetStatusMustHaveListeners": {
      const nn = parseNN(a0);
      if (!nn) return untranscribed("unparsed arguments");
      return listenersMatch(ctx, a.call === "GatewayStatusMustHaveListeners" ? "Gateway" : "ListenerSet", nn, a1);
    }
    case "GatewayListenersMustHaveConditions":
    case "ListenerSetListenersMustHaveConditions":
    case "GatewayListenerMustHaveConditions": {
      const nn = parseNN(a0);
      const single = a.call === "GatewayListenerMustHaveConditions";
      const conds = parseConditions(single ? a2 : a1);
      const names = (single ? [a1] : a.args.slice(2)).map(unquote);
      if (!nn || !conds || names.some((n) => typeof n !== "string" || !/^[a-z0-9-]+$/.test(n))) return untranscribed("unparsed arguments");
      return listenersHaveConditions(ctx, a.call === "ListenerSetListenersMustHaveConditions" ? "ListenerSet" : "Gateway", nn, conds, names as string[]);
    }
    case "GatewayMustHaveZeroRoutes": {
      const nn = parseNN(a0);
      if (!nn) return untranscribed("unparsed arguments");
      const ls = entry(ctx, "Gateway", nn)?.status.listeners ?? [];
      return ls.length === 0 || (ls.length === 1 && ls[0]!.attachedRoutes === 0)
        ? OK
        : fail(`Gateway ${nn.name}: routes attached: ${ls.map((l) => `${l.name}=${l.attachedRoutes}`).join(",")}`);
    }
    case "GatewayMustHaveAttachedListeners": {
      const nn = parseNN(a0);
      if (!nn) return untranscribed("unparsed arguments");
      const n = entry(ctx, "Gateway", nn)?.status.attachedListenerSets ?? 0;
      return n === Number(a1) ? OK : fail(`Gateway ${nn.name}: attachedListenerSets ${n}, expected ${String(a1)}`);
    }
    case "BackendTLSPolicyMustHaveLatestConditions":
      return OK; // checked by every BackendTLSPolicyMustHaveCondition read above
    default:
      if (/Patch|Delete|Apply/.test(a.call)) return { ok: false, mutation: true, message: `${a.call}: mid-test mutation not emulated offline` };
      return untranscribed("helper not implemented by the harness");
  }
}
