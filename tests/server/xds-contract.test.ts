// Compile-time contract: the xDS cache's stats() output is usable as the server's XdsView as is.
// If this stops type-checking, the two sides drifted: adjust one of them, not this test.
import { expect, test } from "bun:test";
import type { XdsStats } from "../../src/xds/cache/stats.ts";
import type { XdsView } from "../../src/server/status-types.ts";

test("XdsStats (src/xds/cache) satisfies XdsView (src/server)", () => {
  const accept = (v: XdsView): number => v.clients.length;
  const stats = { snapshot: { seq: 0, version: "", publishedAt: 0, publishMs: 0, types: {} }, clients: [], counters: {} } as unknown as XdsStats;
  expect(accept(stats)).toBe(0);
});
