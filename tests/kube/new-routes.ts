// Issue 17 item 3 in Kubernetes mode, shared by tests/kube/new-routes.test.ts (small, in CI) and
// bench/kube/new-routes.ts (3,000 routes after 10,000 others): `edgegate run` as its own process
// (the compiled binary, or src/main.ts under Bun) against the real API server, with OTHERS
// HTTPRoutes of bench/generate.ts's shape loaded through the API. Then COUNT GRPCRoutes are created
// through the API one after another, each only after the previous one serves. A real grpc-js-xds
// client in this process calls the new route's method (header x-route: i on new.example.com) every
// 2 ms from the moment the create is sent until the first OK; the figure is from the create's
// response to that OK. Errors are classified as bench/change/new-routes.ts does in file mode: before
// a route exists grpc-js-xds answers "Failed to route call" (the expected not-found), anything
// else counts. A watch on GRPCRoutes times edgegate's status writer: create response -> the
// route's Accepted=True from edgegate seen on the watch.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { parseAllDocuments } from "yaml";
import { generate } from "../../bench/generate.ts";
import { KubeApiError } from "../../src/kube/client.ts";
import { isObj, type Obj } from "../../src/yaml/value.ts";
import { freePort } from "../helpers/ports.ts";
import { call, isNoRoute, startBackend, xdsClient, type Backend } from "../xds/grpc.ts";
import type { ApiServer } from "./apiserver.ts";
import { acceptedByUs, tally } from "./attached.ts";
import * as f from "./fixtures.ts";

const gw = "gateway.networking.k8s.io/v1";
const hostname = "new.example.com";
const nodeName = "bench-node";

export interface NewRoutesOptions {
  others: number;
  count: number;
  /** How edgegate is started: the command before `run --config FILE`. */
  command: string[];
  /** Progress lines (the bench prints them; the test keeps quiet). */
  progress?: (line: string) => void;
}

export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

export interface NewRoutesFigures {
  others: number;
  count: number;
  /** Seconds to create the other routes (and their Services) in the API. */
  loadOthersS: number;
  /** edgegate's start until it served the first route and had written every other route's status. */
  settleS: number;
  /** Create response -> first OK RPC through grpc-js-xds. */
  firstOkMs: Spread;
  /** Routes whose first OK arrived before the create's response (counted as 0 ms above). */
  okBeforeResponse: number;
  expectedNotFound: number;
  otherErrors: number;
  firstOtherError?: string;
  /** Create response -> Accepted=True from edgegate seen on a watch. */
  acceptedMs: Spread;
  /** Status writes edgegate made during the new routes (per /status), and its write errors. */
  statusWrites: number;
  statusErrors: number;
  /**
   * Where the time goes, per route (ms, each from the create's response): the route's ADDED event
   * on a watch of this process (the API server's watch delivery), edgegate's first "configuration
   * published" log line after that event (its watch -> publish), and the first OK.
   */
  breakdown: { watchMs: Spread; publishedMs: Spread; okAfterPublishMs: Spread; slowest: string[] };
  /** CPU milliseconds per new route (user + system, /proc) of each process on the machine's cores. */
  cpuMsPerRoute: { edgegate: number; apiServer: number; etcd: number; benchClient: number };
}

/** User + system CPU milliseconds of a process so far (Linux /proc; 0 when it cannot be read). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 (utime, stime) in clock ticks; 100 per second on Linux.
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

export function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number): number => round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN);
  return { p50: at(50), p99: at(99), max: at(100) };
}

const round = (n: number): number => Math.round(n * 10) / 10;

/**
 * bench/generate.ts's input as API objects: its Gateway "bench", Services (their static-endpoint
 * annotation becomes an EndpointSlice, as a cluster's endpoint controller would make) and HTTPRoutes.
 */
export function otherObjects(routes: number): Obj[] {
  if (routes === 0) return [];
  const out: Obj[] = [];
  for (const doc of parseAllDocuments(generate({ routes, hostnames: 1000, services: 500 }))) {
    const o: unknown = doc.toJS();
    if (!isObj(o) || o.kind === "GatewayClass") continue;
    const meta = o.metadata as Obj;
    const annotations = isObj(meta.annotations) ? meta.annotations : {};
    const eps = annotations["edgegate.io/endpoints"];
    if (o.kind === "Service" && typeof eps === "string") {
      delete meta.annotations;
      // The test API server does not default built-in types: an absent targetPort reads back as 0.
      const spec = o.spec as { ports: Array<Record<string, unknown>> };
      spec.ports = spec.ports.map((p) => ({ ...p, targetPort: p.port, protocol: "TCP" }));
      out.push(o, {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name: `${String(meta.name)}-1`, namespace: "default", labels: { "kubernetes.io/service-name": String(meta.name) } },
        addressType: "IPv4",
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
        endpoints: eps.split(",").map((a) => ({ addresses: [a.trim()], conditions: { ready: true } })),
      });
    } else out.push(o);
  }
  return out;
}

function grpcRoute(i: number): Obj {
  return {
    apiVersion: gw,
    kind: "GRPCRoute",
    metadata: { name: `new-${i}`, namespace: "default" },
    spec: {
      parentRefs: [{ name: "gw" }],
      hostnames: [hostname],
      rules: [
        {
          matches: [{ method: { service: "test.Echo", method: "Echo" }, headers: [{ name: "x-route", value: String(i) }] }],
          backendRefs: [{ name: "svc-n", port: 9000 }],
        },
      ],
    },
  };
}

/** The objects the new routes need: a Gateway with a gRPC-carrying HTTP listener and the echo backend's Service. */
function grpcBase(backend: Backend): Obj[] {
  return [
    {
      apiVersion: gw,
      kind: "Gateway",
      metadata: { name: "gw", namespace: "default" },
      spec: { gatewayClassName: "edgegate", listeners: [{ name: "grpc", protocol: "HTTP", port: 18080, allowedRoutes: { namespaces: { from: "Same" } } }] },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "svc-n", namespace: "default" },
      spec: { ports: [{ name: "grpc", port: 9000, targetPort: backend.port, protocol: "TCP", appProtocol: "kubernetes.io/h2c" }] },
    },
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "svc-n-1", namespace: "default", labels: { "kubernetes.io/service-name": "svc-n" } },
      addressType: "IPv4",
      ports: [{ name: "grpc", port: backend.port, protocol: "TCP" }],
      endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }],
    },
  ];
}

/** Creates objects with a few requests in flight (what `kubectl apply` of a big folder does, roughly). */
async function createAll(api: ApiServer, objects: Obj[], width = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < objects.length) await api.create(objects[next++]!);
    }),
  );
}

interface StatusJson {
  /** The status writer's counters (src/kube/status-writer/writer.ts, StatusWriterStats). */
  source: { state: string; status?: { leader: boolean; writes: number; pending: number; errors: number } };
}

/** edgegate run, as its own process, with a config file for this API server; its log goes to a file. */
class Edgegate {
  private proc: Subprocess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), "edgegate-kube-newroutes-"));
  xdsPort = 0;
  adminPort = 0;

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get logFile(): string {
    return join(this.dir, "edgegate.log");
  }

  async start(api: ApiServer, command: string[]): Promise<void> {
    this.xdsPort = await freePort();
    this.adminPort = await freePort();
    const config = join(this.dir, "edgegate.yaml");
    writeFileSync(
      config,
      [
        `source: {kubernetes: {kubeconfig: ${api.kubeconfig}, leaseNamespace: default}}`,
        `node: {name: ${nodeName}}`,
        `xds: {socket: ${join(this.dir, "xds.sock")}, tcpAddress: "127.0.0.1:${this.xdsPort}"}`,
        "health: {address: 127.0.0.1:0}",
        `admin: {address: "127.0.0.1:${this.adminPort}"}`,
        // No Envoy on these machines: the data plane here is the proxyless client.
        "envoy: {path: /nonexistent/envoy, drainSeconds: 0}",
        "",
      ].join("\n"),
    );
    this.proc = Bun.spawn([...command, "run", "--config", config], { stdin: "ignore", stdout: "ignore", stderr: Bun.file(this.logFile) });
  }

  /** The status writer's counters from /status. */
  async writer(): Promise<NonNullable<StatusJson["source"]["status"]>> {
    const s = (await (await fetch(`http://127.0.0.1:${this.adminPort}/status`)).json()) as StatusJson;
    if (!s.source.status) throw new Broken("edgegate's /status has no source.status (the status writer's counters)");
    return s.source.status;
  }

  exited(): boolean {
    return this.proc?.exitCode !== null && this.proc?.exitCode !== undefined;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      p.kill("SIGTERM");
      const killer = setTimeout(() => p.kill("SIGKILL"), 10_000);
      await p.exited;
      clearTimeout(killer);
    }
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Each route's create response -> its ADDED event on our watch -> edgegate's next publish (its log's
 * "configuration published" lines, wall-clock ms turned into this process's performance.now) -> OK.
 */
function timeline(logFile: string, responded: Map<string, number>, addedAt: Map<string, number>, okAt: Map<string, number>): NewRoutesFigures["breakdown"] {
  const published: number[] = [];
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.includes('"configuration published"')) continue;
    try {
      const ts = (JSON.parse(line) as { ts: string }).ts;
      published.push(Date.parse(ts) - performance.timeOrigin);
    } catch {}
  }
  published.sort((a, b) => a - b);
  const firstAfter = (t: number): number | undefined => {
    let lo = 0;
    let hi = published.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (published[mid]! < t - 1) lo = mid + 1;
      else hi = mid;
    }
    return published[lo];
  };
  const watch: number[] = [];
  const pub: number[] = [];
  const after: number[] = [];
  const rows: Array<{ total: number; line: string }> = [];
  for (const [name, from] of responded) {
    const added = addedAt.get(name);
    const ok = okAt.get(name);
    if (added === undefined || ok === undefined) continue;
    const p = firstAfter(added);
    watch.push(added - from);
    if (p !== undefined && p <= ok + 1) {
      pub.push(p - from);
      after.push(ok - p);
    }
    const f = (n: number | undefined): string => (n === undefined ? "?" : (n - from).toFixed(0));
    rows.push({ total: ok - from, line: `${name}: watch ${f(added)}, published ${f(p)}, ok ${f(ok)} ms` });
  }
  rows.sort((a, b) => b.total - a.total);
  return { watchMs: spread(watch), publishedMs: spread(pub), okAfterPublishMs: spread(after), slowest: rows.slice(0, 10).map((r) => r.line) };
}

/** A failure that waiting longer cannot cure: `until` gives up at once. */
class Broken extends Error {}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, eg: Edgegate): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = "";
  for (;;) {
    if (eg.exited()) throw new Error(`edgegate exited while waiting for ${what}; log: ${eg.logFile}`);
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      if (e instanceof Broken) throw e;
      lastErr = `: ${(e as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr}; edgegate's log: ${eg.logFile}`);
    await Bun.sleep(100);
  }
}

/** Runs the scenario on a started API server with the Gateway API CRDs applied. */
export async function runNewRoutes(api: ApiServer, opts: NewRoutesOptions): Promise<NewRoutesFigures> {
  const say = opts.progress ?? (() => {});
  const backend = await startBackend("N");
  const eg = new Edgegate();
  let keepLog = true;
  try {
    await createAll(api, [f.node(nodeName, {}), f.gatewayClass(), ...grpcBase(backend), grpcRoute(0)], 1);
    const t0 = performance.now();
    await createAll(api, otherObjects(opts.others));
    const loadOthersS = (performance.now() - t0) / 1000;
    say(`created ${opts.others} HTTPRoutes (and 500 Services with EndpointSlices) in ${loadOthersS.toFixed(1)} s`);

    const started = performance.now();
    await eg.start(api, opts.command);
    // The hostname exists from the start (route new-0), so the figures are about routes, not listeners.
    const ch = xdsClient(hostname, eg.xdsPort, "bench-kube-new-routes");
    try {
      await until("the first route to serve", () => call(ch, "/test.Echo/Echo", { "x-route": "0" }, 2000), 120_000, eg);
      // Every other route's status written, so what follows measures new routes, not the start-up backlog.
      let lastWrites = -1;
      await until(
        "the status writer to finish the start-up backlog",
        async () => {
          const w = await eg.writer();
          const settled = !!w?.leader && w.pending === 0 && w.writes === lastWrites && w.writes > opts.others;
          lastWrites = w?.writes ?? -1;
          return settled;
        },
        300_000,
        eg,
      );
      const settleS = (performance.now() - started) / 1000;
      say(`edgegate serving and its start-up status written after ${settleS.toFixed(1)} s`);

      const responded = new Map<string, number>();
      const acceptedAt = new Map<string, number>();
      const addedAt = new Map<string, number>();
      const watch = await tally(api, "/apis/gateway.networking.k8s.io/v1/namespaces/default/grpcroutes", (type, o) => {
        const name = String((o.metadata as Obj).name);
        if (type === "ADDED" && !addedAt.has(name)) addedAt.set(name, performance.now());
        if (type !== "DELETED" && !acceptedAt.has(name) && acceptedByUs(o)) acceptedAt.set(name, performance.now());
      });
      const writesBefore = await eg.writer();
      const cpu = (): number[] => [cpuMs(eg.pid), cpuMs(api.pids.apiServer), cpuMs(api.pids.etcd), cpuMs(process.pid)];
      const cpuBefore = cpu();
      const samples: number[] = [];
      const okAtByName = new Map<string, number>();
      let okBeforeResponse = 0;
      let expectedNotFound = 0;
      let otherErrors = 0;
      let firstOtherError: string | undefined;
      try {
        for (let i = 1; i <= opts.count; i++) {
          const name = `new-${i}`;
          const sent = performance.now();
          let createError: unknown;
          const created = api.create(grpcRoute(i)).then(
            () => responded.set(name, performance.now()),
            (e: unknown) => (createError = e),
          );
          let okAt = 0;
          for (;;) {
            if (createError) throw createError;
            try {
              await call(ch, "/test.Echo/Echo", { "x-route": String(i) }, 10_000);
              okAt = performance.now();
              break;
            } catch (e) {
              const msg = (e as Error).message;
              if (isNoRoute(e)) expectedNotFound++;
              else {
                otherErrors++;
                firstOtherError ??= `${name}: ${msg}`;
              }
              if (performance.now() - sent > 30_000) throw new Error(`route ${name} never served: ${msg}; edgegate's log: ${eg.logFile}`);
              await Bun.sleep(2);
            }
          }
          await created;
          if (createError) throw createError;
          const from = responded.get(name)!;
          if (okAt < from) okBeforeResponse++;
          samples.push(Math.max(0, okAt - from));
          okAtByName.set(name, okAt);
          if (i % 500 === 0) say(`${i} routes: first OK p50/p99 so far ${JSON.stringify(spread(samples))} ms, ${otherErrors} unexpected errors`);
        }
        await until("every new route Accepted on the watch", async () => [...responded.keys()].every((n) => acceptedAt.has(n)), 60_000, eg);
      } finally {
        watch.stop();
      }
      const writesAfter = await eg.writer();
      const perRoute = cpu().map((v, i) => round((v - cpuBefore[i]!) / opts.count));
      const accepted = [...responded].map(([name, at]) => Math.max(0, acceptedAt.get(name)! - at));
      const breakdown = timeline(eg.logFile, responded, addedAt, okAtByName);
      keepLog = false;
      return {
        others: opts.others,
        count: opts.count,
        loadOthersS: round(loadOthersS),
        settleS: round(settleS),
        firstOkMs: spread(samples),
        okBeforeResponse,
        expectedNotFound,
        otherErrors,
        firstOtherError,
        acceptedMs: spread(accepted),
        statusWrites: writesAfter.writes - writesBefore.writes,
        statusErrors: writesAfter.errors - writesBefore.errors,
        breakdown,
        cpuMsPerRoute: { edgegate: perRoute[0]!, apiServer: perRoute[1]!, etcd: perRoute[2]!, benchClient: perRoute[3]! },
      };
    } finally {
      ch.close();
    }
  } catch (e) {
    if (e instanceof KubeApiError) throw new Error(`API server answered ${e.status}: ${e.message}`);
    throw e;
  } finally {
    await eg.stop();
    await backend.stop();
    if (!keepLog) eg.cleanup();
  }
}
