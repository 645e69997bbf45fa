// A real API server for the Kubernetes-mode tests: etcd + minikas from ../shared/kube (built by
// scripts/setup-kube.sh), started like ../shared/kube/run.sh does, but keeping its state folder so
// the server can be SIGKILLed and restarted on the same data and certificate (a crash, not a new
// cluster). Gateway API CRDs are applied on demand.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { KubeApiError, KubeClient } from "../../src/kube/client.ts";
import type { KubeConnection } from "../../src/kube/connection.ts";
import { isObj, type Obj } from "../../src/yaml/value.ts";
import { freePort } from "../helpers/ports.ts";

export const kubeTools = process.env.KUBE_TOOLS ?? "/var/cache/edgegate-kube";
export const sharedKube = process.env.EDGEGATE_SHARED_KUBE ?? join(import.meta.dir, "../../../shared/kube");

export function apiServerAvailable(): boolean {
  return existsSync(join(kubeTools, "bin/minikas")) && existsSync(join(kubeTools, "bin/etcd"));
}

export class ApiServer {
  readonly dir = mkdtempSync(join(tmpdir(), "edgegate-kube-"));
  port = 0;
  private etcdPort = 0;
  private etcd: ChildProcess | undefined;
  private minikas: ChildProcess | undefined;
  client!: KubeClient;

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }
  get caFile(): string {
    return join(this.dir, "certs/apiserver.crt");
  }
  get kubeconfig(): string {
    return join(this.dir, "kubeconfig");
  }
  /** Process ids of the API server and etcd (for CPU accounting in benchmarks). */
  get pids(): { apiServer?: number; etcd?: number } {
    return { apiServer: this.minikas?.pid, etcd: this.etcd?.pid };
  }
  connection(): KubeConnection {
    return { server: this.url, ca: readFileSync(this.caFile, "utf8"), token: () => "any", insecure: false, describe: "test" };
  }

  async start(): Promise<void> {
    if (!this.port) {
      this.port = await freePort();
      // etcd needs two ports (client, peer = client + 10): look for a pair that is free.
      this.etcdPort = 20000 + Math.floor(Math.random() * 20000);
    }
    const ep = this.etcdPort;
    const etcdLog = Bun.file(join(this.dir, "etcd.log")).writer();
    this.etcd = spawn(
      join(kubeTools, "bin/etcd"),
      [
        "--name",
        "t",
        "--data-dir",
        join(this.dir, "etcd"),
        "--listen-client-urls",
        `http://127.0.0.1:${ep}`,
        "--advertise-client-urls",
        `http://127.0.0.1:${ep}`,
        "--listen-peer-urls",
        `http://127.0.0.1:${ep + 10}`,
        "--initial-advertise-peer-urls",
        `http://127.0.0.1:${ep + 10}`,
        "--initial-cluster",
        `t=http://127.0.0.1:${ep + 10}`,
        "--quota-backend-bytes=268435456",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    this.etcd.stderr?.on("data", (d: Buffer) => etcdLog.write(d));
    await this.startApiServer();
    writeFileSync(
      this.kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        `clusters: [{name: minikas, cluster: {server: "${this.url}", certificate-authority: "${this.caFile}"}}]`,
        `users: [{name: admin, user: {token: "any"}}]`,
        `contexts: [{name: minikas, context: {cluster: minikas, user: admin, namespace: default}}]`,
        "current-context: minikas",
        "",
      ].join("\n"),
    );
  }

  /** Starts (or restarts) only minikas, on the same port, etcd and certificate folder. */
  async startApiServer(): Promise<void> {
    const log = Bun.file(join(this.dir, `minikas-${Date.now()}.log`)).writer();
    this.minikas = spawn(
      join(kubeTools, "bin/minikas"),
      ["--etcd", `http://127.0.0.1:${this.etcdPort}`, "--cert-dir", join(this.dir, "certs"), "--bind-address", "127.0.0.1", "--port", String(this.port)],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    this.minikas.stderr?.on("data", (d: Buffer) => log.write(d));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (existsSync(this.caFile)) {
        this.client = new KubeClient(this.connection());
        try {
          const res = await fetch(`${this.url}/readyz`, { tls: { ca: readFileSync(this.caFile, "utf8") } } as BunFetchRequestInit);
          if (res.ok) break;
        } catch {
          // not up yet
        }
      }
      if (Date.now() > deadline) throw new Error(`minikas did not become ready; see ${this.dir}`);
      await Bun.sleep(200);
    }
    // The post-start hook creates "default" asynchronously; tests create objects in it.
    for (let i = 0; i < 50; i++) {
      try {
        await this.client.request("GET", "/api/v1/namespaces/default");
        return;
      } catch {
        await Bun.sleep(100);
      }
    }
  }

  /**
   * A second API server on the same etcd (as in an HA control plane), on its own port: changes made
   * through it while the first is down are what a restarted first one must catch up on.
   */
  async secondary(): Promise<{ client: KubeClient; stop(): Promise<void> }> {
    const port = await freePort();
    const certs = join(this.dir, "certs-2");
    const p = spawn(
      join(kubeTools, "bin/minikas"),
      ["--etcd", `http://127.0.0.1:${this.etcdPort}`, "--cert-dir", certs, "--bind-address", "127.0.0.1", "--port", String(port)],
      { stdio: "ignore" },
    );
    const stop = async (): Promise<void> => {
      if (p.exitCode !== null) return;
      const gone = new Promise((r) => p.once("exit", r));
      p.kill("SIGKILL");
      await gone;
    };
    for (let i = 0; i < 300; i++) {
      if (existsSync(join(certs, "apiserver.crt"))) {
        const client = new KubeClient({
          server: `https://127.0.0.1:${port}`,
          ca: readFileSync(join(certs, "apiserver.crt"), "utf8"),
          token: () => "any",
          insecure: false,
          describe: "secondary",
        });
        try {
          await client.request("GET", "/api/v1/namespaces/default", { timeoutMs: 1000 });
          // CRD-backed resources are served once its CRD informer has caught up.
          await client.request("GET", "/apis/gateway.networking.k8s.io/v1/httproutes?limit=1", { timeoutMs: 1000 });
          return { client, stop };
        } catch {
          // not ready yet
        }
      }
      await Bun.sleep(200);
    }
    await stop();
    throw new Error("secondary minikas did not become ready");
  }

  /** A crash: SIGKILL, no drain. */
  async killApiServer(): Promise<void> {
    const p = this.minikas;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await gone;
  }

  /** Compacts etcd at its current revision, so watches from older resourceVersions get 410. */
  async compact(): Promise<void> {
    const ep = `http://127.0.0.1:${this.etcdPort}`;
    const st = (await (await fetch(`${ep}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: Buffer.from("/").toString("base64") }) })).json()) as {
      header?: { revision?: string };
    };
    const rev = st.header?.revision;
    if (!rev) throw new Error("etcd: no revision");
    await fetch(`${ep}/v3/kv/compaction`, { method: "POST", body: JSON.stringify({ revision: rev, physical: true }) });
  }

  async stop(): Promise<void> {
    for (const p of [this.minikas, this.etcd]) {
      if (p && p.exitCode === null && p.signalCode === null) {
        const gone = new Promise((r) => p.once("exit", r));
        p.kill("SIGKILL");
        await gone;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ---- a tiny kubectl ----

  async applyCrds(names?: string[]): Promise<void> {
    const dir = join(sharedKube, "crds");
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml") && (!names || names.includes(f.replace(/\.yaml$/, ""))));
    for (const f of files) await this.applyCrdText(readFileSync(join(dir, f), "utf8"));
  }

  async applyCrdText(text: string): Promise<void> {
    for (const doc of text.split(/^---$/m)) {
      const crd: unknown = parseYaml(doc);
      if (!isObj(crd) || crd.kind !== "CustomResourceDefinition") continue;
      const name = (crd.metadata as Obj).name as string;
      try {
        await this.client.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { body: crd });
      } catch (e) {
        if (!(e instanceof KubeApiError && e.status === 409)) throw e;
      }
      for (let i = 0; i < 100; i++) {
        const c = await this.client.request("GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        const conds = isObj(c.status) && Array.isArray(c.status.conditions) ? c.status.conditions : [];
        if (conds.some((x) => isObj(x) && x.type === "Established" && x.status === "True")) break;
        await Bun.sleep(100);
      }
    }
  }

  path(o: Obj, name = true): string {
    const [group, version] = String(o.apiVersion).includes("/") ? String(o.apiVersion).split("/") : ["", String(o.apiVersion)];
    const meta = o.metadata as Obj;
    const plural = pluralOf(String(o.kind));
    const root = group ? `/apis/${group}/${version}` : `/api/${version}`;
    const ns = meta.namespace ? `/namespaces/${String(meta.namespace)}` : "";
    return `${root}${ns}/${plural}${name ? `/${String(meta.name)}` : ""}`;
  }

  async create(o: Obj): Promise<Obj> {
    return await this.client.request("POST", this.path(o, false), { body: o });
  }

  async get(o: Obj): Promise<Obj> {
    return await this.client.request("GET", this.path(o));
  }

  /** Replaces the object (read-modify-write with its current resourceVersion). */
  async update(o: Obj, change: (cur: Obj) => void): Promise<Obj> {
    // Like kubectl edit: a 409 means someone (edgegate's status writer) wrote in between; retry.
    for (let i = 0; ; i++) {
      const cur = await this.get(o);
      change(cur);
      try {
        return await this.client.request("PUT", this.path(o), { body: cur });
      } catch (e) {
        if (!(e instanceof KubeApiError && e.status === 409) || i > 20) throw e;
      }
    }
  }

  async remove(o: Obj): Promise<void> {
    await this.client.request("DELETE", this.path(o));
  }
}

function pluralOf(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith("y") && !/[aeiou]y$/.test(k)) return k.slice(0, -1) + "ies";
  if (k.endsWith("s")) return k + "es";
  return k + "s";
}
