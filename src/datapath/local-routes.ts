// A steered address the node does not have (a Gateway's spec.addresses, an exposure.addressPool
// address) is routed to the node by the network, but the kernel forwards or drops what is not
// local, before tc's bpf_sk_assign or sk_lookup can hand it to Envoy. A `local` route on lo makes
// it local (what `ip route add local ADDR/32 dev lo` does), without configuring the address on an
// interface. edgegate installs one per such address while it is steered and removes it when it is
// not, marking its routes with its own route protocol number so that the routing table itself is
// the state (a restarted edgegate adopts them; `edgegate datapath cleanup` removes them).
// Through iproute2's `ip` (JSON output), which every node with a datapath already has.
import { spawnSync } from "node:child_process";
import type { SteeringTarget } from "../ir/datapath.ts";
import { formatIp, parseIp } from "../net/ip.ts";

/** Route protocol number edgegate's local routes carry ("proto 230" in `ip route` output). */
export const LOCAL_ROUTE_PROTO = 230;

export interface LocalRouteView {
  /** Addresses configured on an interface, or already local through a route of someone else. */
  local: Set<string>;
  /** Addresses with a local route of edgegate's. */
  ours: Set<string>;
}

export interface LocalRouteChange {
  added: string[];
  removed: string[];
  problems: string[];
}

const canonical = (a: string): string | undefined => {
  const ip = parseIp(a);
  return ip ? formatIp(ip.family, ip.bytes) : undefined;
};

/** Pure: which local routes to add and remove so that every steered address is local. */
export function planLocalRoutes(steering: readonly SteeringTarget[], view: LocalRouteView): { add: string[]; remove: string[] } {
  const wanted = new Set<string>();
  for (const t of steering) {
    const a = canonical(t.address);
    if (a !== undefined && !view.local.has(a)) wanted.add(a);
  }
  return { add: [...wanted].filter((a) => !view.ours.has(a)).sort(), remove: [...view.ours].filter((a) => !wanted.has(a)).sort() };
}

function ip(args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync("ip", args, { encoding: "utf8", timeout: 10_000 });
  return { ok: r.status === 0, out: r.stdout ?? "", err: (r.stderr ?? r.error?.message ?? "").trim() };
}

interface JsonRoute {
  type?: string;
  dst?: string;
  protocol?: string | number;
}
interface JsonLink {
  addr_info?: Array<{ local?: string }>;
}

/** Reads this network namespace's addresses and local routes. */
export function readLocalRoutes(): LocalRouteView {
  const local = new Set<string>();
  const ours = new Set<string>();
  const addrs = ip(["-j", "addr", "show"]);
  if (!addrs.ok) throw new Error(`ip addr show: ${addrs.err}`);
  for (const l of JSON.parse(addrs.out || "[]") as JsonLink[]) for (const a of l.addr_info ?? []) if (a.local) local.add(canonical(a.local) ?? a.local);
  for (const fam of ["-4", "-6"]) {
    const r = ip(["-j", fam, "route", "show", "table", "local", "type", "local"]);
    if (!r.ok) continue; // no IPv6 in the kernel
    for (const rt of JSON.parse(r.out || "[]") as JsonRoute[]) {
      const dst = (rt.dst ?? "").replace(/\/(32|128)$/, "");
      const a = canonical(dst);
      if (a === undefined) continue; // prefixes (127.0.0.0/8) are not per-address routes
      if (String(rt.protocol) === String(LOCAL_ROUTE_PROTO)) ours.add(a);
      else local.add(a);
    }
  }
  return { local, ours };
}

const route = (verb: "replace" | "del", a: string): string[] => {
  const v6 = a.includes(":");
  return [v6 ? "-6" : "-4", "route", verb, "local", `${a}/${v6 ? 128 : 32}`, "dev", "lo", "table", "local", "proto", String(LOCAL_ROUTE_PROTO)];
};

/** Adds the local routes steering needs and removes edgegate's routes nothing steers any more. */
export function reconcileLocalRoutes(steering: readonly SteeringTarget[]): LocalRouteChange {
  const out: LocalRouteChange = { added: [], removed: [], problems: [] };
  let view: LocalRouteView;
  try {
    view = readLocalRoutes();
  } catch (e) {
    out.problems.push(`local routes: ${(e as Error).message}`);
    return out;
  }
  const plan = planLocalRoutes(steering, view);
  for (const a of plan.add) {
    const r = ip(route("replace", a));
    if (r.ok) out.added.push(a);
    else out.problems.push(`local route for ${a} (ip ${route("replace", a).join(" ")}): ${r.err}`);
  }
  for (const a of plan.remove) {
    const r = ip(route("del", a));
    if (r.ok) out.removed.push(a);
    else out.problems.push(`removing local route for ${a}: ${r.err}`);
  }
  return out;
}

/** Removes every local route edgegate installed (uninstall). */
export function removeLocalRoutes(): LocalRouteChange {
  return reconcileLocalRoutes([]);
}
