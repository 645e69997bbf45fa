// What a new configuration stops serving that the previous one served: listeners, TLS filter
// chains and routes (by route object and virtual host). The appliance logs each with a WARN, so a
// change that takes something down is never silent, whatever its cause.
import type { Ir, IrRoute } from "../ir/types.ts";
import type { Problem } from "../validate/problems.ts";
import { formatProblem } from "../validate/problems.ts";
import { parseRefKey, refKey } from "../store/types.ts";

export interface Removal {
  what: "listener" | "filter chain" | "route";
  name: string;
  /** Objects behind it ("Kind/namespace/name" keys) whose problems may explain why. */
  owners: string[];
}

/**
 * Everything a configuration serves; kept from one compile to the next. Routes are kept per
 * virtual host name as the route lists translation handed back: for an unchanged virtual host that
 * is the very same list (gateway/memo.ts hostRoutes), so a compile at 10,000 routes compares
 * lists by identity instead of naming 40,000 routes again.
 */
export interface Served {
  /** Listeners and TLS filter chains, keyed. */
  sockets: Map<string, Removal>;
  /** Virtual host name -> the route lists of the virtual hosts of that name (one per route configuration). */
  hosts: Map<string, Array<readonly IrRoute[]>>;
}

export function served(ir: Ir): Served {
  const sockets = new Map<string, Removal>();
  for (const l of ir.listeners) {
    const owners = [...new Set(l.origins.map((o) => refKey(o.owner)))];
    sockets.set(`listener ${l.name}`, { what: "listener", name: l.name, owners });
    for (const c of l.tls) sockets.set(`chain ${l.name} ${c.name}`, { what: "filter chain", name: `${l.name} ${c.name}`, owners });
  }
  const hosts = new Map<string, Array<readonly IrRoute[]>>();
  for (const rc of ir.routeConfigs) {
    for (const vh of rc.virtualHosts) {
      const lists = hosts.get(vh.name);
      if (lists) lists.push(vh.routes);
      else hosts.set(vh.name, [vh.routes]);
    }
  }
  return { sockets, hosts };
}

// Translation hands back the same IrRoute lists and objects for unchanged routes (gateway/memo.ts):
// remember the owners of each list, so unchanged virtual hosts are never split into names again.
const ownersOf = new WeakMap<readonly IrRoute[], ReadonlySet<string>>();

/** The route objects behind a virtual host's routes ("<kind>/<ns>/<name>/rule/<i>/match/<j>" names). */
function routeOwners(routes: readonly IrRoute[]): ReadonlySet<string> {
  let owners = ownersOf.get(routes);
  if (!owners) {
    const set = new Set<string>();
    for (const r of routes) set.add(refKey(parseRefKey(r.name)));
    ownersOf.set(routes, set);
    owners = set;
  }
  return owners;
}

const sameLists = (a: ReadonlyArray<readonly IrRoute[]>, b: ReadonlyArray<readonly IrRoute[]> | undefined): boolean =>
  b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

export function removedServing(before: Served, after: Served): Removal[] {
  const out: Removal[] = [];
  for (const [k, r] of before.sockets) if (!after.sockets.has(k)) out.push(r);
  for (const [host, lists] of before.hosts) {
    const now = after.hosts.get(host);
    if (sameLists(lists, now)) continue;
    const kept = new Set<string>();
    for (const l of now ?? []) for (const o of routeOwners(l)) kept.add(o);
    const gone = new Set<string>();
    for (const l of lists) for (const o of routeOwners(l)) if (!kept.has(o)) gone.add(o);
    for (const owner of gone) out.push({ what: "route", name: `${owner} on ${host}`, owners: [owner] });
  }
  return out;
}

/** Why something went, from the current problems of the objects behind it, if any. */
export function removalReason(r: Removal, problems: readonly Problem[]): string {
  for (const p of problems) {
    if (!p.object) continue;
    const key = refKey(p.object);
    if (r.owners.includes(key)) return formatProblem(p);
  }
  return "its objects were changed or removed in the inputs (no problem reported)";
}
