// The store under the Kubernetes feed (src/sources/kube/feed.ts: one group per object): the cost of
// one change (edit, add, delete) followed by what the pipeline reads after it (objects(),
// problems()), with N Services in force. Median of the per-change times.
//   bun bench/store.ts [N...=10000 100000] [--changes 50]
import { KubeFeed } from "../src/sources/kube/feed.ts";

const args = process.argv.slice(2);
const at = args.indexOf("--changes");
const changes = at >= 0 ? Number(args[at + 1]) : 50;
const sizes = args.filter((a, i) => !a.startsWith("--") && i !== at + 1).map(Number);

const service = (i: number, resourceVersion: string, port = 80): Record<string, unknown> => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: `s${i}`, namespace: "default", resourceVersion },
  spec: { ports: [{ port }] },
});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function perChange(feed: KubeFeed, change: (i: number) => void): number {
  const times: number[] = [];
  for (let i = 0; i < changes; i++) {
    const t0 = performance.now();
    change(i);
    feed.objects();
    feed.problems();
    times.push(performance.now() - t0);
  }
  return median(times);
}

console.log(`store: one change then objects() + problems(), median of ${changes} changes (ms)`);
console.log("objects".padStart(8), "edit".padStart(8), "add".padStart(8), "delete".padStart(8), "relist".padStart(8));
for (const n of sizes.length > 0 ? sizes : [10_000, 100_000]) {
  const feed = new KubeFeed();
  for (let i = 0; i < n; i++) feed.upsert(service(i, "1"));
  feed.objects();
  feed.problems();
  const edit = perChange(feed, (i) => feed.upsert(service(i * 7, `e${i}`, 81)));
  const add = perChange(feed, (i) => feed.upsert(service(n + i, "1")));
  const del = perChange(feed, (i) => feed.remove(service(n + i, "1")));
  // A reconnect: the whole list again, nothing changed.
  const items = Array.from({ length: n }, (_, i) => service(i, "1"));
  const t0 = performance.now();
  feed.replaceKind("Service", items);
  feed.objects();
  const relist = performance.now() - t0;
  console.log(String(n).padStart(8), ...[edit, add, del, relist].map((x) => x.toFixed(2).padStart(8)));
}
