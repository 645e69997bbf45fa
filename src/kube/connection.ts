// Where the API server is and how to prove who we are: read from a kubeconfig file or from the
// in-cluster service account. Certificates are kept as PEM text and handed to Bun's fetch as
// `tls: { ca, cert, key }` (see client.ts); nothing here is ever logged except file names.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { isObj, type Obj } from "../yaml/value.ts";

export interface KubeConnection {
  /** https://host:port, no trailing slash. */
  server: string;
  /** PEM of the CA(s) that sign the API server's certificate; undefined: the system roots. */
  ca?: string;
  /** Client certificate and key (PEM) for mTLS authentication. */
  cert?: string;
  key?: string;
  /**
   * The bearer token, read at each call: in-cluster tokens are projected and rotated by the
   * kubelet (about hourly), so they must be re-read, not cached for the process lifetime.
   */
  token?: () => string | undefined;
  /** kubeconfig `insecure-skip-tls-verify`: honoured, but logged as a warning by the caller. */
  insecure: boolean;
  /** The namespace the service account lives in (in-cluster), for the Lease default. */
  namespace?: string;
  /** For logs: "kubeconfig FILE (context NAME)" or "in-cluster". */
  describe: string;
}

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/** In-cluster: KUBERNETES_SERVICE_HOST/PORT, the service account token (re-read, it rotates) and CA. */
export function inClusterConnection(env: Record<string, string | undefined> = process.env, dir = saDir, tokenMaxAgeMs = 5000): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) throw new Error("in-cluster: KUBERNETES_SERVICE_HOST is not set (not running in a pod?)");
  const ca = readFileSync(`${dir}/ca.crt`, "utf8");
  let namespace: string | undefined;
  try {
    namespace = readFileSync(`${dir}/namespace`, "utf8").trim();
  } catch {
    namespace = undefined;
  }
  const tokenFile = `${dir}/token`;
  readFileSync(tokenFile, "utf8"); // fail early when the token is not mounted
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    ca,
    token: cachedFile(tokenFile, tokenMaxAgeMs),
    insecure: false,
    namespace,
    describe: "in-cluster service account",
  };
}

/** Re-reads a file at most every few seconds: cheap per request, and picks up rotation quickly. */
function cachedFile(path: string, maxAgeMs = 5000): () => string | undefined {
  let value: string | undefined;
  let at = 0;
  return () => {
    const now = Date.now();
    if (value === undefined || now - at > maxAgeMs) {
      try {
        value = readFileSync(path, "utf8").trim();
        at = now;
      } catch {
        // Keep the previous token: the kubelet swaps the file atomically, a failed read is transient.
      }
    }
    return value;
  };
}

function named(list: unknown, name: string, field: string): Obj | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const e of list) if (isObj(e) && e.name === name && isObj(e[field])) return e[field] as Obj;
  return undefined;
}

function s(o: Obj | undefined, k: string): string | undefined {
  const v = o?.[k];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Inline base64 data, or a file relative to the kubeconfig's folder. */
function pem(o: Obj | undefined, dataKey: string, fileKey: string, base: string): string | undefined {
  const data = s(o, dataKey);
  if (data) return Buffer.from(data, "base64").toString("utf8");
  const file = s(o, fileKey);
  return file ? readFileSync(isAbsolute(file) ? file : resolve(base, file), "utf8") : undefined;
}

/** A kubeconfig file: current-context (or `context`), its cluster and user. Exec plugins are not supported. */
export function kubeconfigConnection(file: string, context?: string): KubeConnection {
  const doc: unknown = parseYaml(readFileSync(file, "utf8"));
  if (!isObj(doc)) throw new Error(`${file}: not a kubeconfig (expected a map)`);
  const ctxName = context ?? s(doc, "current-context");
  if (!ctxName) throw new Error(`${file}: no current-context`);
  const ctx = named(doc.contexts, ctxName, "context");
  if (!ctx) throw new Error(`${file}: context ${JSON.stringify(ctxName)} not found`);
  const clusterName = s(ctx, "cluster") ?? "";
  const cluster = named(doc.clusters, clusterName, "cluster");
  if (!cluster) throw new Error(`${file}: cluster ${JSON.stringify(clusterName)} not found`);
  const server = s(cluster, "server");
  if (!server) throw new Error(`${file}: cluster ${JSON.stringify(clusterName)} has no server`);
  const user = named(doc.users, s(ctx, "user") ?? "", "user");
  if (user && (user.exec !== undefined || user["auth-provider"] !== undefined)) {
    throw new Error(`${file}: exec and auth-provider credentials are not supported; use a token, token file or client certificate`);
  }
  const base = dirname(resolve(file));
  const tokenFile = s(user, "tokenFile");
  const token = s(user, "token");
  return {
    server: server.replace(/\/+$/, ""),
    ca: pem(cluster, "certificate-authority-data", "certificate-authority", base),
    cert: pem(user, "client-certificate-data", "client-certificate", base),
    key: pem(user, "client-key-data", "client-key", base),
    token: tokenFile ? cachedFile(isAbsolute(tokenFile) ? tokenFile : resolve(base, tokenFile)) : token ? () => token : undefined,
    insecure: cluster["insecure-skip-tls-verify"] === true,
    namespace: s(ctx, "namespace"),
    describe: `kubeconfig ${file} (context ${ctxName})`,
  };
}
