// The health port answers from its own thread: while the main thread is busy (here a 1.5 s busy
// loop, as a first translation of a huge input would be), a prober in another process still gets
// /livez and /healthz within milliseconds; a main thread silent past livenessStallMs makes /livez 503.
import { afterEach, expect, test } from "bun:test";
import { startStatusServers, type StatusServers } from "../../src/server/listen.ts";
import type { ListenAddress } from "../../src/net/address.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { healthyStatus, provide } from "./fixture.ts";

let servers: StatusServers | null = null;
const anyLoopbackPort: ListenAddress = { kind: "tcp", host: "127.0.0.1", port: 0 };
afterEach(async () => {
  await servers?.stop();
  servers = null;
});

// Probes `path` every 100 ms, `n` times, from another process; prints [status, ms] pairs.
const PROBER = `
import json, sys, time, urllib.request, urllib.error
url, n, out = sys.argv[1], int(sys.argv[2]), []
time.sleep(0.3)
for _ in range(n):
    t = time.monotonic()
    try:
        code = urllib.request.urlopen(url, timeout=5).status
    except urllib.error.HTTPError as e:
        code = e.code
    out.append([code, round((time.monotonic() - t) * 1000, 1)])
    time.sleep(0.1)
print(json.dumps(out))
`;

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the main thread does nothing else meanwhile
  }
}

async function probeDuringBusy(path: string, n: number, busyMs: number): Promise<Array<[number, number]>> {
  const p = Bun.spawn(["/usr/bin/python3", "-c", PROBER, `${servers!.health.url}${path}`, String(n)], { stdout: "pipe" });
  await Bun.sleep(100);
  busy(busyMs);
  const out = await new Response(p.stdout).text();
  await p.exited;
  return JSON.parse(out) as Array<[number, number]>;
}

test("probes are answered within milliseconds while the main thread is busy", async () => {
  servers = await startStatusServers({ health: anyLoopbackPort, admin: anyLoopbackPort, provider: provide(healthyStatus()), logger: silentLogger });
  const live = await probeDuringBusy("/livez", 8, 1500);
  expect(live.map(([code]) => code)).toEqual(Array(8).fill(200));
  // answered during the busy loop, not queued behind it (a main-thread server would take >= 1 s;
  // the bound leaves room for a loaded CI machine, bench/validate.ts measures the real latency)
  expect(Math.max(...live.map(([, ms]) => ms))).toBeLessThan(500);
  const healthz = await probeDuringBusy("/healthz", 5, 1000);
  expect(healthz.map(([code]) => code)).toEqual(Array(5).fill(200));
  expect(Math.max(...healthz.map(([, ms]) => ms))).toBeLessThan(500);
}, 20_000);

test("a main thread silent past livenessStallMs: /livez says stalled (503), and recovers when it beats again", async () => {
  servers = await startStatusServers({
    health: anyLoopbackPort,
    admin: anyLoopbackPort,
    provider: provide(healthyStatus()),
    logger: silentLogger,
    livenessStallMs: 400,
  });
  const seen = await probeDuringBusy("/livez", 10, 1600);
  expect(seen.map(([code]) => code)).toContain(503);
  await Bun.sleep(400);
  expect((await fetch(`${servers.health.url}/livez`)).status).toBe(200);
}, 20_000);
