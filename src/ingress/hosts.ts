// Ingress host matching, as the networking.k8s.io/v1 API reference defines it: a wildcard host
// "*.foo.com" covers exactly one DNS label ("bar.foo.com", not "baz.bar.foo.com", not "foo.com").
// Envoy's "*.foo.com" domain covers any number of labels (as Gateway API hostnames do), so the
// virtual host alone is too wide for an Ingress; the routes narrow it with an :authority match.
import type { IrRoute, IrRouteMatch } from "../ir/types.ts";

export const isWildcardHost = (host: string): boolean => host.startsWith("*.");

/**
 * RE2, matched by Envoy against the whole :authority value: one label, the suffix (case-insensitive,
 * like host matching), and the port a client may send (virtual hosts ignore it; this match sees it).
 */
export function singleLabelAuthority(host: string): IrRouteMatch["headers"][number] {
  const suffix = host.slice(1).replace(/[.+?^${}()|[\]\\*]/g, "\\$&");
  return { name: ":authority", type: "RegularExpression", value: `(?i)[^.:]+${suffix}(:[0-9]+)?` };
}

/** The route, taken only when the request's host is within the wildcard (or only when it is not). */
export function withAuthority(r: IrRoute, host: string, invert = false): IrRoute {
  const m = singleLabelAuthority(host);
  return { ...r, match: { ...r.match, headers: [...r.match.headers, invert ? { ...m, invert: true } : m] } };
}
