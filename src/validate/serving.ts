// Objects that are valid but will not serve, read from the status translation computed: a Gateway
// or listener not accepted or programmed, a reference that does not resolve, a route whose parent
// does not accept it or that is attached nowhere. `validate` exits 1 on these and `run` counts them
// with the other problems, so the counts agree with the conditions. Pure.
import { refKey, type StoredObject } from "../store/types.ts";
import type { Condition, ObjectStatus, RouteParentStatus, TranslateProblem } from "../object-status/types.ts";
import { isObj } from "../yaml/value.ts";

// The cause first: a listener with a missing certificate is also not programmed, but one line
// saying why is worth more than three saying that.
const checked = ["ResolvedRefs", "Accepted", "Programmed"];
const routeKinds = new Set(["HTTPRoute", "GRPCRoute", "TLSRoute"]);

function failed(conditions: readonly Condition[], types: readonly string[] = checked): Condition[] {
  for (const type of types) {
    const c = conditions.find((x) => x.type === type && x.status === "False");
    if (c) return [c];
  }
  return [];
}
const explain = (c: Condition): string => `not ${c.type} (${c.reason}): ${c.message}`;

export interface ServingOptions {
  /**
   * Report routes attached to no served Gateway and Gateways of classes edgegate does not serve.
   * True for files (every input is meant for this appliance); false for a Kubernetes cluster,
   * where such objects belong to other controllers.
   */
  unclaimed: boolean;
}

export function servingProblems(
  status: readonly ObjectStatus[],
  objects: readonly StoredObject[],
  opts: ServingOptions = { unclaimed: true },
): TranslateProblem[] {
  const out: TranslateProblem[] = [];
  let byKey: Map<string, StoredObject> | undefined;
  // Only needed to find routes with no status at all (unclaimed): 10,000 keys per change otherwise.
  const seenRoutes = opts.unclaimed ? new Set<string>() : undefined;
  // An object's spec, only for a problem's path: finding it indexes every object.
  const specOf = (key: string): unknown => (byKey ??= new Map(objects.map((o) => [o.key, o]))).get(key)?.object.spec;
  for (const s of status) {
    if (s.kind === "GatewayClass" || s.kind === "Ingress") continue;
    const cached = routeProblems.get(s);
    const key = cached?.key ?? refKey(s);
    if (s.kind === "Gateway" || s.kind === "ListenerSet") {
      const before = out.length;
      for (const l of s.status.listeners) {
        const failures = failed(l.conditions);
        if (failures.length === 0) continue;
        const spec = specOf(key);
        const listeners = isObj(spec) && Array.isArray(spec.listeners) ? spec.listeners : [];
        const i = listeners.findIndex((x) => isObj(x) && x.name === l.name);
        for (const c of failures) out.push({ key, path: i >= 0 ? ["spec", "listeners", i] : [], message: `listener ${JSON.stringify(l.name)} ${explain(c)}` });
      }
      // The Gateway's own condition only when no listener already says why.
      if (out.length === before) for (const c of failed(s.status.conditions)) out.push({ key, path: [], message: explain(c) });
      continue;
    }
    if (routeKinds.has(s.kind) && "parents" in s.status) {
      // A route's status object is kept while the route and what it refers to are unchanged
      // (gateway/memo.ts), and its problems with it: 10,000 routes are checked on every change.
      let entry = cached;
      if (!entry || entry.unclaimed !== opts.unclaimed) {
        entry = { key, unclaimed: opts.unclaimed, problems: routeStatusProblems(s, key, () => specOf(key), opts) };
        routeProblems.set(s, entry);
      }
      seenRoutes?.add(entry.key);
      for (const p of entry.problems) out.push(p);
    }
  }
  // A route with no status at all: none of its parents is a Gateway edgegate knows. A Gateway with
  // none: its GatewayClass is missing or belongs to another controller.
  if (!seenRoutes) return out;
  const gateways = new Set(status.filter((s) => s.kind === "Gateway").map((s) => refKey(s)));
  for (const o of objects) {
    if (routeKinds.has(o.object.kind) && !seenRoutes.has(o.key)) out.push(attachedNowhere(o.key));
    if (o.object.kind === "Gateway" && !gateways.has(o.key)) {
      const spec = o.object.spec;
      const cls = isObj(spec) && typeof spec.gatewayClassName === "string" ? spec.gatewayClassName : "";
      out.push({
        key: o.key,
        path: ["spec", "gatewayClassName"],
        message: `GatewayClass ${JSON.stringify(cls)} is not one edgegate serves (missing, or of another controller); not served`,
      });
    }
  }
  return out;
}

type RouteStatus = { namespace: string; status: { parents: readonly RouteParentStatus[] } };

const routeProblems = new WeakMap<ObjectStatus, { key: string; unclaimed: boolean; problems: TranslateProblem[] }>();

function routeStatusProblems(s: RouteStatus, key: string, specOf: () => unknown, opts: ServingOptions): TranslateProblem[] {
  const out: TranslateProblem[] = [];
  if (s.status.parents.length === 0 && opts.unclaimed) out.push(attachedNowhere(key));
  // Most routes are accepted everywhere: their spec and the parent's name are only looked up
  // for a problem.
  for (const p of s.status.parents) {
    const notAccepted = failed(p.conditions, ["Accepted"]);
    if (notAccepted.length === 0) continue;
    const spec = specOf();
    const refs = isObj(spec) && Array.isArray(spec.parentRefs) ? spec.parentRefs : [];
    const i = refs.findIndex(
      (r) => isObj(r) && r.name === p.parentRef.name && (r.sectionName ?? undefined) === p.parentRef.sectionName && (r.port ?? undefined) === p.parentRef.port,
    );
    const parent = `${p.parentRef.kind ?? "Gateway"} ${p.parentRef.namespace ?? s.namespace}/${p.parentRef.name}${p.parentRef.sectionName ? ` (${p.parentRef.sectionName})` : ""}`;
    // A route's ResolvedRefs=False comes from its backendRefs, which translation already reports.
    for (const c of notAccepted) out.push({ key, path: i >= 0 ? ["spec", "parentRefs", i] : [], message: `${explain(c)} [parent ${parent}]` });
  }
  return out;
}

function attachedNowhere(key: string): TranslateProblem {
  return {
    key,
    path: ["spec", "parentRefs"],
    message: "attached to no Gateway or ListenerSet that edgegate serves (missing, or of another GatewayClass); not served",
  };
}

/** Translation's problems and the not-serving ones, without saying the same thing twice. */
export function withServingProblems(
  problems: readonly TranslateProblem[],
  status: readonly ObjectStatus[],
  objects: readonly StoredObject[],
  opts?: ServingOptions,
): TranslateProblem[] {
  const id = (p: TranslateProblem): string => `${p.key} ${p.path.join(".")} ${p.message}`;
  const seen = new Set(problems.map(id));
  return [...problems, ...servingProblems(status, objects, opts).filter((p) => !seen.has(id(p)))];
}
