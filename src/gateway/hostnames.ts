// Hostname matching and intersection as the Gateway API defines it: "*.example.com" matches any
// name with at least one more label in front of example.com (foo.example.com, a.b.example.com).

export function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/**
 * The hostnames a route serves through a listener: the intersection of the listener's hostname
 * (undefined = any) and the route's hostnames (empty = any). Undefined result means "any host";
 * an empty list means they do not intersect.
 */
export function intersect(listener: string | undefined, route: readonly string[]): string[] | undefined {
  if (route.length === 0) return listener === undefined ? undefined : [listener];
  if (listener === undefined) return [...route];
  const out = new Set<string>();
  for (const h of route) {
    if (hostMatches(listener, h)) out.add(h);
    else if (hostMatches(h, listener)) out.add(listener);
    else if (listener.startsWith("*.") && h.startsWith("*.") && h === listener) out.add(h);
  }
  return [...out];
}

/** Orders listener hostnames from most to least specific, for listener isolation. */
export function specificity(h: string | undefined): number {
  if (h === undefined) return 0;
  if (h.startsWith("*.")) return 1 + h.length;
  return 10_000 + h.length;
}
