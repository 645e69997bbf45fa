// The running appliance: owns the lifetimes of the status servers, the file source, the xDS server,
// the Envoy child and the datapath, and the order they start and stop in.
//   start: status servers (so /livez answers at once) -> first compile + publish -> xDS server ->
//          datapath -> Envoy -> file watching
//   stop:  /healthz goes 503 (draining) -> Envoy drained and stopped -> watching, xDS, status off.
//          The datapath's pins stay, so steering survives an edgegate restart.
//   detach (an upgrade of edgegate): everything of edgegate stops, Envoy keeps serving and stays
//          recorded in the runtime folder; the next edgegate adopts it.
//   A failure during start-up stops whatever was started, in reverse order, and throws a message
//   naming the setting and what to do.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { ApplianceConfig } from "../config/types.ts";
import type { Logger } from "../log/logger.ts";
import type { SnapshotCache } from "../xds/cache/cache.ts";
import type { XdsServer } from "../xds/server/server.ts";
import type { EnvoySupervisor } from "../envoy/supervisor.ts";
import { startStatusServers, type StatusServers } from "../server/listen.ts";
import { formatAddress } from "../net/address.ts";
import type { Datapath } from "../datapath/datapath.ts";
import type { Source } from "../sources/source.ts";
import type { CompileResult } from "../pipeline/compile.ts";
import type { Problem } from "../validate/problems.ts";
import { ProblemLog } from "../log/problems.ts";
import { ApplianceStatusBoard } from "./status-board.ts";
import { LocalProgrammed } from "./local-programmed.ts";
import { NackGuard } from "../xds/nack/guard.ts";
import { followEnvoySockets } from "../datapath/envoy-sockets.ts";
import { NodeState } from "./node-state.ts";
import { RemoteLauncher } from "../envoy/launcher.ts";
import type { DatapathIntent } from "../ir/datapath.ts";
import type { StoredObject } from "../store/types.ts";
import type { HostPorts } from "../gateway/host-ports.ts";
import { listeningSockets, unprivilegedPortStart } from "../net/listening.ts";
import { removalReason, removedServing, served, type Served } from "../pipeline/removed.ts";

/** How often, and how soon after Envoy starts, the node's ports are re-read (src/net/listening.ts). */
const HOST_PORTS_MS = 10_000;
const FIRST_HOST_PORTS_MS = 2_000;

export interface ApplianceHandle {
  readonly statusServers: StatusServers;
  readonly xds: XdsServer;
  /** The snapshot cache, for observers (benchmarks, tests) that watch pushes and ACKs. */
  readonly cache: SnapshotCache;
  /** Re-reads the inputs now (SIGHUP). */
  reload(): void;
  stop(opts?: { drain?: boolean }): Promise<void>;
  /** Stops edgegate but leaves Envoy serving for the next edgegate to adopt. */
  detach(): Promise<void>;
}

/** Things started so far, stopped in reverse order when a later step of start-up fails. */
class StartedParts {
  private readonly stops: Array<{ what: string; stop: () => unknown }> = [];
  add(what: string, stop: () => unknown): void {
    this.stops.push({ what, stop });
  }
  async unwind(log: Logger): Promise<void> {
    for (const { what, stop } of this.stops.reverse()) {
      try {
        await stop();
      } catch (e) {
        log.warn("stopping after a failed start-up", { part: what, error: (e as Error).message });
      }
    }
  }
}

/** The xDS socket or port could not be opened: say which setting, why, and what to do. */
function xdsListenFailure(config: ApplianceConfig, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const sock = config.xds.socket;
  const msg = err.message ?? String(e);
  if (err.syscall === "listen" && err.code === "EADDRINUSE" && !msg.includes(sock)) {
    const tcp = config.xds.tcpAddress ? formatAddress(config.xds.tcpAddress) : "";
    return `xds.tcpAddress: cannot listen on ${tcp}: the port is in use by another process; choose another with xds.tcpAddress or --xds-address`;
  }
  const change = "choose another path with xds.socket in the config file or --xds-socket";
  switch (err.code) {
    case "EACCES":
    case "EPERM":
      return `xds.socket: cannot create ${sock}: permission denied (not root?); run as root or give --xds-socket a path you can write, e.g. --xds-socket $XDG_RUNTIME_DIR/edgegate/xds.sock`;
    case "ENOTDIR":
    case "EEXIST":
      return `xds.socket: cannot create ${sock}: a part of its folder ${dirname(sock)} is a file, not a folder; ${change}`;
    case "EROFS":
      return `xds.socket: cannot create ${sock}: read-only file system; ${change}`;
  }
  if (/another process is serving/.test(msg)) {
    return `xds.socket: ${sock} is in use: another edgegate is running with this socket (see \`edgegate status\`, or \`edgegate stop --xds-socket ${sock}\`); stop it or ${change}`;
  }
  if (/not a socket/.test(msg)) return `xds.socket: ${sock} exists and is not a socket; remove it or ${change}`;
  return `xds.socket: cannot listen on ${sock}: ${msg}; ${change}`;
}

/** Optional observers of each successful compile (Kubernetes mode writes status back from here). */
export interface ApplianceHooks {
  onCompiled?(result: CompileResult): void;
}

export async function startAppliance(config: ApplianceConfig, log: Logger, given?: Source, hooks: ApplianceHooks = {}): Promise<ApplianceHandle> {
  let cacheRef: SnapshotCache | undefined;
  let supervisor: EnvoySupervisor | undefined;
  let datapath: Datapath | undefined;
  const node = new NodeState(config);
  const board = new ApplianceStatusBoard(
    {
      node: () => node.current(),
      envoy: () => supervisor?.state() ?? { phase: "stopped", message: "not started yet", restarts: 0 },
      xds: () =>
        cacheRef?.stats() ?? {
          snapshot: { seq: 0, version: "", publishedAt: 0, publishMs: 0 },
          clients: [],
          counters: { publishes: 0, pushes: {}, acks: {}, nacks: {}, connectedClients: 0 },
        },
      datapath: () => (datapath ? { ...datapath.status() } : { mode: config.datapath.mode, enabled: false, reason: "starting" }),
    },
    "files",
  );
  // startStatusServers logs where it listens.
  const statusServers = await startStatusServers({
    health: config.health.address,
    admin: config.admin.address,
    adminAllowNonLoopback: config.admin.allowNonLoopback,
    provider: board,
    logger: log,
    envoyAdmin: config.envoy.adminAddress,
  });
  const started = new StartedParts();
  started.add("status servers", () => statusServers.stop());
  try {
    // The health port is up: now load the heavy parts (Envoy's protobuf descriptors alone take
    // ~150 ms to build), so probes can connect while edgegate is still starting.
    await Bun.sleep(0);
    const [
      { SnapshotCache },
      { startXdsServer },
      { EnvoySupervisor },
      { renderBootstrap },
      { Datapath },
      { FileSource },
      { compile, CompileMemo },
      { datapathIntent },
      { assembleProblems },
    ] = await Promise.all([
      import("../xds/cache/cache.ts"),
      import("../xds/server/server.ts"),
      import("../envoy/supervisor.ts"),
      import("../envoy/bootstrap.ts"),
      import("../datapath/datapath.ts"),
      import("../sources/files/source.ts"),
      import("../pipeline/compile.ts"),
      import("../pipeline/datapath.ts"),
      import("../pipeline/assemble.ts"),
    ]);
    const source = given ?? new FileSource(config.source.paths, { maxFileBytes: config.source.maxFileBytes, settleMs: config.source.settleMs });
    board.liveSource = () => source.state();
    const cache = new SnapshotCache({ logger: log, reuseByIdentity: true });
    // File mode: Programmed as the local Envoy confirms it (Kubernetes mode's status writer has its own view).
    const localProgrammed = source instanceof FileSource ? new LocalProgrammed(cache, config.node.name) : undefined;
    board.localProgrammed = localProgrammed;
    const memo = new CompileMemo();
    cacheRef = cache;
    // A NACK stays local: objects an xDS client rejects are held back, the rest is republished.
    const guard = new NackGuard(cache, () => recompute(), log);
    board.xdsSnapshot = () => cache.snapshot();
    // Every connect, push, ACK, NACK and publish can change the /healthz verdict.
    cache.onEvent(() => board.invalidate());
    // --log-level debug: each push and ACK, to follow a change to the clients.
    if (log.enabled("debug"))
      cache.onEvent((ev) => {
        const type = "typeUrl" in ev ? ev.typeUrl.slice(ev.typeUrl.lastIndexOf(".") + 1) : undefined;
        if (ev.type === "push")
          log.debug("xds push", { node: ev.nodeId, stream: ev.stream, type, version: ev.version, resources: ev.resources, removed: ev.removed });
        else if (ev.type === "ack") log.debug("xds ACK", { node: ev.nodeId, stream: ev.stream, type, version: ev.version });
      });

    const problemLog = new ProblemLog(log);
    let publishedOnce = false;
    let lastServed: Served | undefined;
    // The datapath intent is derived from the latest compile when the datapath needs it (never
    // when it is off), once per compile.
    let latest: { ir: CompileResult["ir"]; objects: readonly StoredObject[] } | undefined;
    let derived: { from: typeof latest; intent: DatapathIntent } | undefined;
    const intent = (): DatapathIntent | undefined => {
      if (!latest) return undefined;
      if (derived?.from !== latest) {
        const dp = datapathIntent(latest.ir, latest.objects);
        for (const u of dp.unresolved) log.warn("datapath intent problem", { problem: u });
        derived = { from: latest, intent: dp.intent };
      }
      return derived.intent;
    };
    const applyDatapath = (): void => {
      const wanted = datapath?.enabled ? intent() : undefined;
      if (!wanted) return;
      datapath!.apply(wanted).catch((e: unknown) => log.error("datapath update failed; previous maps stay in force", { error: (e as Error).message }));
    };
    // sklookup mode's socket registrar (below, once the datapath is open): given each compile's steering.
    let envoySockets: ReturnType<typeof followEnvoySockets> | undefined;
    // Ports the node will not let Envoy bind (src/gateway/host-ports.ts): unknown until Envoy is up,
    // so an adopted Envoy's own sockets are never mistaken for another process's.
    let hostPorts: HostPorts | undefined;
    const recompute = (): void => {
      const started = performance.now();
      // Kubernetes mode: the Node object's labels decide selection and its addresses go into status
      // and steering, live (the source calls us when they change).
      const { addresses: nodeAddresses } = node.refresh(source as Source);
      const objects = source.objects();
      const selected = guard.select(objects);
      const inputProblems = source.problems();
      const input = {
        objects: selected,
        inForce: objects,
        config,
        nodeAddresses,
        memo,
        hostPorts,
        heldBack: guard.heldBack(),
        inputProblems,
        unclaimed: source instanceof FileSource,
      };
      // A bug must not take the node down: the last published configuration stays in force.
      const failed = (e: unknown): void => {
        log.error("translation failed; keeping the last good configuration", { error: (e as Error).stack ?? String(e) });
        board.failure = (e as Error).message;
        board.invalidate();
      };
      let result;
      try {
        result = compile(input);
      } catch (e) {
        return failed(e);
      }
      const compiledMs = performance.now() - started;
      // Publish first: the problems (not-serving routes, their files) and status below do not
      // change the snapshot, and a new route should not wait for them.
      let pub;
      try {
        pub = cache.publish(result.xds);
        localProgrammed?.published(result.status);
        guard.onPublished(selected);
      } catch (e) {
        log.error("snapshot rejected; keeping the last good configuration", { error: (e as Error).message });
        return;
      }
      let assembled;
      try {
        // Routes attached nowhere are problems in file mode; in Kubernetes mode another controller may serve them.
        assembled = assembleProblems(input, result);
      } catch (e) {
        // The snapshot is out already; only the report and the status of this change are missing.
        log.error("gathering problems failed; the configuration is published, its status is not updated", { error: (e as Error).stack ?? String(e) });
        board.failure = (e as Error).message;
        board.invalidate();
        return;
      }
      const { referenceProblems, problems } = assembled;
      problemLog.report(
        [
          ...inputProblems.map((problem) => ({ problem, phase: "input" as const })),
          ...referenceProblems.map((problem) => ({ problem, phase: "reference" as const })),
        ],
        objects,
      );
      const fields = {
        version: pub.version,
        changed: pub.changed,
        objects: objects.length,
        listeners: result.ir.listeners.length,
        clusters: result.ir.clusters.length,
        problems: problems.length,
        ms: Math.round(performance.now() - started),
      };
      // Unchanged output (an edit that changes nothing served) is only worth a debug line.
      if (pub.changed.length > 0 || !publishedOnce) log.info("configuration published", fields);
      else log.debug("inputs changed; the configuration served is the same", fields);
      publishedOnce = true;
      log.debug("compile timings", {
        translate_ms: Math.round(compiledMs),
        publish_ms: Math.round(pub.ms),
        routes: result.ir.routeConfigs.length,
        secrets: result.ir.secrets.length,
        seq: pub.seq,
      });
      const nowServed = served(result.ir);
      if (lastServed) warnRemovals(lastServed, nowServed, problems, log);
      lastServed = nowServed;
      board.update(result, objects, problems);
      board.failure = undefined;
      hooks.onCompiled?.(result);
      latest = { ir: result.ir, objects };
      applyDatapath();
      envoySockets?.steeringChanged();
    };
    started.add("source", () => source.stop());
    await source.start(recompute);

    const runtimeDir = dirname(config.xds.socket);
    let xds: XdsServer;
    try {
      mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
      xds = await startXdsServer({ cache, unixSocket: config.xds.socket, tcp: config.xds.tcpAddress, logger: log });
    } catch (e) {
      throw new Error(xdsListenFailure(config, e));
    }
    started.add("xds server", () => xds.close({ graceMs: 0 }));

    datapath = await Datapath.open(config, log, config.datapath.egressCgroup ? { egressCgroup: config.datapath.egressCgroup } : {});
    started.add("datapath", () => datapath?.close());
    // Datapath.open logs its own failures (at ERROR); switched off on purpose is worth one INFO line.
    if (config.datapath.mode === "off") log.info("datapath off", { reason: datapath.status().reason ?? "" });
    applyDatapath();

    const launcher = config.envoy.launcher ? new RemoteLauncher(config.envoy.launcher.slice("unix://".length)) : undefined;
    supervisor = new EnvoySupervisor({ envoy: config.envoy, bootstrap: renderBootstrap(config), runtimeDir, logger: log, ...(launcher ? { launcher } : {}) });
    supervisor.onChange(() => board.invalidate());
    // Each new Envoy process joins the egress cgroup before it has connected anywhere that matters.
    let lastPid: number | undefined;
    supervisor.onChange((st) => {
      if (st.pid === undefined || st.pid === lastPid) return;
      lastPid = st.pid;
      if (datapath?.status().egressCgroup) {
        try {
          datapath.addToEgressCgroup(st.pid);
        } catch (e) {
          log.error("cannot move Envoy into the egress cgroup", { pid: st.pid, error: (e as Error).message });
        }
      }
    });
    // sklookup mode: each Envoy's listening sockets go into the datapath's SOCKMAP (src/datapath/envoy-sockets.ts)
    envoySockets =
      datapath.enabled && config.datapath.mode === "sklookup"
        ? followEnvoySockets({ datapath, supervisor, cache, steering: () => intent()?.steering ?? [], log })
        : undefined;
    supervisor.start();
    // Re-read every HOST_PORTS_MS: a port another process holds (or gives up) changes the listeners.
    const checkHostPorts = (): void => {
      const pid = supervisor?.state().pid;
      const ports = new Set((latest?.ir.listeners ?? []).map((l) => l.port));
      // An Envoy in its own container (envoy.launcher) has that container's capabilities, not ours.
      const next: HostPorts = {
        unprivilegedPortStart: config.envoy.launcher ? 0 : unprivilegedPortStart(),
        inUse: listeningSockets(new Set(pid ? [pid] : []), ports),
      };
      if (JSON.stringify(next) === JSON.stringify(hostPorts)) return;
      if (next.inUse.length > 0) log.info("ports in use by other processes", { sockets: next.inUse.map((s) => `${s.address}:${s.port} ${s.process}`) });
      hostPorts = next;
      recompute();
    };
    const hostPortsTimer = setInterval(checkHostPorts, HOST_PORTS_MS);
    const firstHostPorts = setTimeout(checkHostPorts, FIRST_HOST_PORTS_MS);
    started.add("host ports", () => {
      clearInterval(hostPortsTimer);
      clearTimeout(firstHostPorts);
    });

    let stopping: Promise<void> | undefined;
    return {
      statusServers,
      xds,
      cache,
      reload: () => (source instanceof FileSource ? void source.refresh(false) : recompute()),
      stop(opts = {}) {
        if (stopping) {
          // A second stop (second SIGTERM) cuts the drain short.
          if (opts.drain === false) void supervisor?.stop({ drain: false });
          return stopping;
        }
        stopping = (async () => {
          clearInterval(hostPortsTimer);
          clearTimeout(firstHostPorts);
          await source.stop();
          guard.stop();
          envoySockets?.stop();
          await supervisor?.stop({ drain: opts.drain ?? true });
          await xds.close();
          datapath?.close();
          await statusServers.stop();
          log.info("edgegate stopped", { uptime_s: Math.round(process.uptime()), problems: problemLog.count });
        })();
        return stopping;
      },
      detach() {
        stopping ??= (async () => {
          clearInterval(hostPortsTimer);
          clearTimeout(firstHostPorts);
          await source.stop();
          guard.stop();
          envoySockets?.stop();
          await supervisor?.detach();
          await xds.close({ graceMs: 0 });
          datapath?.close();
          await statusServers.stop();
          log.info("edgegate stopped; Envoy left running for the next edgegate", { uptime_s: Math.round(process.uptime()) });
        })();
        return stopping;
      },
    };
  } catch (e) {
    await started.unwind(log);
    throw e;
  }
}

/** A published change that stops serving a listener, filter chain or route is logged, with why. */
function warnRemovals(before: Served, after: Served, problems: readonly Problem[], log: Logger): void {
  const gone = removedServing(before, after);
  for (const r of gone.slice(0, 50))
    log.warn(`${r.what} no longer served`, { [r.what === "filter chain" ? "filterChain" : r.what]: r.name, why: removalReason(r, problems) });
  if (gone.length > 50) log.warn("more no longer served", { count: gone.length - 50 });
}
