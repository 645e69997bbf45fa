// A quiet watch stays open as long as edgegate's own idle limit allows, whatever Bun's fetch idle
// timer says. Found by bench/kube/new-routes.ts: Bun ends a response that sends nothing for 5 min
// ("The operation timed out."), which edgegate took for an API outage, resyncing every watch in the
// middle of the run. The child lowers Bun's timer to 1 s (it fires on a coarse tick, ~8 s here).
import { expect, test } from "bun:test";
import { join } from "node:path";

test("a watch with no events for longer than Bun's fetch idle timeout is not ended by it", async () => {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "bin/quiet-watch.ts"), "14000"], {
    env: { ...process.env, BUN_CONFIG_HTTP_IDLE_TIMEOUT: "1" },
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(child.stdout).text();
  expect(out.trim().split("\n")).toEqual(["event BOOKMARK", "open"]);
  expect(await child.exited).toBe(0);
}, 40_000);
