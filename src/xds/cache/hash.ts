// Content hashes used as xDS versions. Content hashes (not counters) mean an unchanged resource keeps
// its version across publishes and across edgegate restarts, so a reconnecting Envoy that reports
// initial_resource_versions gets nothing resent for what it already has.
import { createHash } from "node:crypto";

/** 16 hex chars of SHA-256: short enough for logs, collision-free in practice for config sets. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}

/** Version of a set of resources: a hash over the sorted (name, version) pairs. */
export function hashSet(entries: Iterable<readonly [string, string]>): string {
  const pairs = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const h = createHash("sha256");
  for (const [name, version] of pairs) h.update(name).update("\0").update(version).update("\n");
  return h.digest("hex").slice(0, 16);
}
