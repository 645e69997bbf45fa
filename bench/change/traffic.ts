// Issue 17 item 1 at scale: the route-edit scenario (tests/xds/scenario.ts) with OTHERS generated
// HTTPRoutes loaded, 4 real grpc-js-xds clients in a child process (traffic-child.ts) each sending
// an RPC every 5 ms. Convergence of an edit: from publish until the last answer from a backend the
// edit no longer allows (weighted splits: until all 4 clients ACKed the new routes).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { generate } from "../generate.ts";
import { routeEditScenario } from "../../tests/xds/scenario.ts";
import { TypeUrl } from "../../src/xds/resources.ts";
import { pct, startBenchPlane } from "./plane.ts";

export interface TrafficFigures {
  others: number;
  edits: number;
  rpcs: number;
  failed: number;
  firstError?: string;
  convergenceP50: number;
  convergenceMax: number;
  compileP50: number;
}

interface Outcome {
  c: number;
  t: number;
  l?: string;
  e?: string;
}

export async function routeEditsUnderTraffic(others: number): Promise<TrafficFigures> {
  const child = spawn(process.execPath, [join(import.meta.dir, "traffic-child.ts")], { stdio: ["pipe", "pipe", "inherit"] });
  const outcomes: Outcome[] = [];
  const waiting: Array<(m: Record<string, unknown>) => boolean> = [];
  const next = (pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((resolve) => waiting.push((m) => (pred(m) ? (resolve(m), true) : false)));
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const m = JSON.parse(line) as Record<string, unknown>;
    if (typeof m.c === "number") outcomes.push(m as unknown as Outcome);
    for (let i = 0; i < waiting.length; i++) if (waiting[i]!(m)) waiting.splice(i--, 1);
  });
  const send = (o: unknown): void => void child.stdin!.write(`${JSON.stringify(o)}\n`);
  const { ports } = (await next((m) => "ports" in m)) as { ports: Record<string, number> };
  const p = await startBenchPlane();
  const sc = routeEditScenario(ports);
  // The generated routes go to the generated Gateway "bench"; the scenario has its own "gw".
  const bulk =
    others > 0
      ? generate({ routes: others, hostnames: 1000, services: 500 }).replace(/^apiVersion: gateway.networking.k8s.io\/v1\nkind: GatewayClass[\s\S]*?---\n/, "")
      : "";
  const files = (): Record<string, string> => ({ ...sc.files(), ...(bulk ? { "others.yaml": bulk } : {}) });
  p.apply(files());
  send({ start: { adsPort: p.port, host: sc.host } });
  await next((m) => "started" in m);
  const convergence: number[] = [];
  const compile: number[] = [];
  // Scans only the outcomes that arrived since the edit (`from`): polling every 5 ms over all of
  // them (14,000 by the end) cost the bench's event loop, which is the control plane's too.
  const converged = async (labels: string[], since: number, from: number): Promise<number> => {
    const deadline = Date.now() + 30000;
    for (;;) {
      const recent = outcomes.slice(from).filter((o) => o.t >= since);
      const done = [0, 1, 2, 3].every((c) => {
        const tail = recent.filter((o) => o.c === c).slice(-5);
        return tail.length === 5 && tail.every((o) => o.l !== undefined && labels.includes(o.l));
      });
      if (done) {
        const wrong = recent.filter((o) => o.l === undefined || !labels.includes(o.l));
        return wrong.length > 0 ? Math.max(...wrong.map((o) => o.t)) - since : 0;
      }
      if (Date.now() > deadline) throw new Error(`traffic did not converge to ${labels.join("|")} in 30 s`);
      await Bun.sleep(5);
    }
  };
  for (const e of sc.edits) {
    e.apply();
    const from = p.events.length;
    const seen = outcomes.length;
    const t0 = Date.now();
    const { pub, ms } = p.apply(files());
    compile.push(ms);
    if (e.expect.length > 1) {
      for (let i = 0; i < 4; i++) await p.until((ev) => ev.type === "ack" && ev.nodeId === `bench-traffic-${i}` && ev.typeUrl === TypeUrl.route, from);
      convergence.push(Date.now() - t0);
    } else if (pub.changed.length > 0) convergence.push(await converged(e.expect, t0, seen));
    if (process.env.BENCH_VERBOSE) console.error(`    ${e.what}: compile+publish ${ms.toFixed(0)} ms, converged ${convergence.at(-1)} ms`);
    await Bun.sleep(100);
  }
  send({ stop: true });
  await next((m) => "stopped" in m);
  await p.close();
  const failed = outcomes.filter((o) => o.e !== undefined);
  return {
    others,
    edits: sc.edits.length,
    rpcs: outcomes.length,
    failed: failed.length,
    firstError: failed[0]?.e,
    convergenceP50: pct(convergence, 50),
    convergenceMax: pct(convergence, 100),
    compileP50: pct(compile, 50),
  };
}
