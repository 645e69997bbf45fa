// Who starts the Envoy process. By default edgegate itself (LocalLauncher). In a Kubernetes pod,
// where a container restart kills every process the container started, Envoy must live in a
// container of its own for it to outlive an edgegate crash: that container runs
// `edgegate launcher`, which starts Envoy when edgegate asks over a Unix socket in the shared
// runtime folder (RemoteLauncher). Either way the process is then supervised the same way: pid
// record, /proc identity, admin API.
import { closeSync, openSync } from "node:fs";
import type { Subprocess } from "bun";
import { findExecutable } from "./binary.ts";
import { fileIdentity } from "./pid-file.ts";
import { procStat } from "./proc.ts";
import type { Fields } from "../log/logger.ts";

export interface LaunchRequest {
  /** envoy.path: absolute, or looked up on the launcher's PATH. */
  envoyPath: string;
  args: string[];
  /** Files Envoy's stdout and stderr are appended to. */
  stdout: string;
  stderr: string;
}

export interface Located {
  binary: string;
  /** Changes when the binary file is replaced (an Envoy upgrade). */
  binaryId: string;
}

export interface Launched extends Located {
  pid: number;
  startTime: string;
  /** Only when the process is this process's child: its exit code is then known. */
  child?: Subprocess;
}

export interface EnvoyLauncher {
  /** Where Envoy would be started from, or null when there is no such binary. */
  locate(envoyPath: string): Promise<Located | null>;
  /** Starts Envoy; throws with a reason when it cannot. */
  launch(req: LaunchRequest): Promise<Launched>;
  /** Says where it runs, for logs: "local" or the socket. */
  readonly where: string;
}

function locateHere(envoyPath: string, pathEnv: string | undefined): Located | null {
  const binary = findExecutable(envoyPath, pathEnv);
  if (!binary) return null;
  try {
    return { binary, binaryId: fileIdentity(binary) };
  } catch {
    return null;
  }
}

/** Starts Envoy as a child of this process, in its own session, logging to files. */
export class LocalLauncher implements EnvoyLauncher {
  readonly where = "local";
  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  async locate(envoyPath: string): Promise<Located | null> {
    return locateHere(envoyPath, this.env.PATH);
  }

  async launch(req: LaunchRequest): Promise<Launched> {
    const loc = locateHere(req.envoyPath, this.env.PATH);
    if (!loc) throw new Error(`envoy binary "${req.envoyPath}" not found`);
    // stdout/stderr go to files (not a pipe that would break when edgegate dies); its own session
    // keeps a Ctrl-C or a signal to edgegate's process group from reaching Envoy.
    const out = openSync(req.stdout, "a", 0o600);
    const err = openSync(req.stderr, "a", 0o600);
    try {
      const child = Bun.spawn([loc.binary, ...req.args], { stdin: "ignore", stdout: out, stderr: err, env: this.env, detached: true });
      return { ...loc, pid: child.pid, startTime: procStat(child.pid)?.startTime ?? "", child };
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }
}

/** Asks `edgegate launcher` (Envoy's own container) to start Envoy. */
export class RemoteLauncher implements EnvoyLauncher {
  constructor(
    private readonly socket: string,
    private readonly timeoutMs = 5000,
  ) {}

  get where(): string {
    return `unix://${this.socket}`;
  }

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`http://launcher${path}`, {
        method,
        unix: this.socket,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
    } catch (e) {
      throw new Error(`envoy.launcher ${this.where} does not answer (is the envoy container running \`edgegate launcher\`?): ${(e as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`envoy.launcher ${this.where}: ${res.status} ${text.trim()}`);
    return JSON.parse(text) as T;
  }

  async locate(envoyPath: string): Promise<Located | null> {
    const r = await this.call<{ located: Located | null }>("GET", `/locate?path=${encodeURIComponent(envoyPath)}`);
    return r.located;
  }

  async launch(req: LaunchRequest): Promise<Launched> {
    const r = await this.call<Omit<Launched, "child">>("POST", "/launch", req);
    return r;
  }
}

/**
 * The launcher's side: serves /locate and /launch on a Unix socket (0600) and keeps the Envoy
 * processes it started as its children (it reaps them). Envoy's environment is the launcher's own:
 * edgegate cannot inject variables into it.
 */
export function serveLauncher(socket: string, log: (msg: string, fields: Fields) => void): { stop(): void } {
  const local = new LocalLauncher();
  const children = new Set<Subprocess>();
  const old = process.umask(0o177);
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      unix: socket,
      async fetch(req) {
        const url = new URL(req.url);
        if (req.method === "GET" && url.pathname === "/locate") {
          return Response.json({ located: await local.locate(url.searchParams.get("path") ?? "") });
        }
        if (req.method === "POST" && url.pathname === "/launch") {
          const r = (await req.json()) as LaunchRequest;
          if (typeof r.envoyPath !== "string" || !Array.isArray(r.args) || typeof r.stdout !== "string" || typeof r.stderr !== "string") {
            return new Response("bad request: want {envoyPath, args, stdout, stderr}\n", { status: 400 });
          }
          try {
            const l = await local.launch(r);
            const child = l.child!;
            children.add(child);
            log("envoy started", { pid: l.pid, binary: l.binary, args: r.args });
            void child.exited.then((code) => {
              children.delete(child);
              log("envoy exited", { pid: l.pid, code, signal: child.signalCode === null ? null : String(child.signalCode) });
            });
            return Response.json({ pid: l.pid, startTime: l.startTime, binary: l.binary, binaryId: l.binaryId });
          } catch (e) {
            return new Response(`${(e as Error).message}\n`, { status: 500 });
          }
        }
        return new Response("not found\n", { status: 404 });
      },
    });
  } finally {
    process.umask(old);
  }
  return { stop: () => void server.stop(true) };
}
