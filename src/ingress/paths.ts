// Ingress path types: Exact, Prefix (matches whole path elements: /foo matches /foo and /foo/bar,
// not /foobar) and ImplementationSpecific (a regular expression matched against the whole path).
// Order inside a host: Exact > ImplementationSpecific > Prefix, longer paths first, so the most
// specific rule wins as the Ingress spec asks ("longest matching path").
import type { IngressPath } from "../kinds/core.ts";
import type { IrRouteMatch } from "../ir/types.ts";

export function pathMatch(p: IngressPath): IrRouteMatch["path"] {
  const value = p.path ?? "/";
  if (p.pathType === "Exact") return { type: "Exact", value };
  if (p.pathType === "ImplementationSpecific") return { type: "RegularExpression", value };
  const trimmed = value.length > 1 ? value.replace(/\/+$/, "") || "/" : value;
  return { type: "PathPrefix", value: trimmed };
}

const typeRank: Record<IngressPath["pathType"], number> = { Exact: 3, ImplementationSpecific: 2, Prefix: 1 };

export function comparePaths(a: IngressPath, b: IngressPath): number {
  return typeRank[b.pathType] - typeRank[a.pathType] || (b.path ?? "/").length - (a.path ?? "/").length;
}
