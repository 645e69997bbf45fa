// config.nodes.matchLabels against this node's labels, as a Kubernetes label selector's
// matchLabels: every key must be present with exactly that value; an empty selector matches all.
export function matchesSelector(labels: Record<string, string>, matchLabels: Record<string, string>): boolean {
  return Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

export function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(",") : "(none)";
}
