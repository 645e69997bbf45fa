// A watch on a quiet resource, as its own process so the test can shorten Bun's fetch idle timer
// (BUN_CONFIG_HTTP_IDLE_TIMEOUT, read at start-up). A stand-in API server answers the watch with one
// BOOKMARK and then stays silent, as a real one does for a resource nobody changes. Prints
// "event BOOKMARK", then after HOLD_MS either "open" (the watch is still up; exit 0) or
// "ended: <why>" (exit 1).
// Usage: BUN_CONFIG_HTTP_IDLE_TIMEOUT=1 bun tests/kube/bin/quiet-watch.ts HOLD_MS
import { KubeClient } from "../../../src/kube/client.ts";

const holdMs = Number(process.argv[2] ?? 15_000);
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  // The stand-in server must not end the quiet response itself (Bun.serve closes idle ones after 10 s).
  idleTimeout: 0,
  fetch: () =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(`${JSON.stringify({ type: "BOOKMARK", object: { metadata: { resourceVersion: "1" } } })}\n`));
        },
      }),
      { headers: { "content-type": "application/json" } },
    ),
});
const client = new KubeClient({ server: `http://127.0.0.1:${server.port}`, insecure: false, describe: "quiet-watch" });
const abort = new AbortController();
const watching = (async () => {
  try {
    // The caller's own idle limit is far longer than the hold: only Bun's could end it.
    for await (const ev of client.watch("/api/v1/namespaces?watch=1", abort.signal, 600_000)) console.log(`event ${ev.type}`);
    return "ended: the stream closed";
  } catch (e) {
    return `ended: ${(e as Error).message}`;
  }
})();
const verdict = await Promise.race([watching, Bun.sleep(holdMs).then(() => "open")]);
console.log(verdict);
abort.abort();
server.stop(true);
process.exit(verdict === "open" ? 0 : 1);
