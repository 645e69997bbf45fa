// Child process of tls.test.ts: one request with a given kubeconfig, in a fresh process, so no
// connection pooled by an earlier request (made with other TLS settings) can be reused and make a
// refused certificate look accepted. Prints {"ok":true} or {"ok":false,"error":"..."}.
// Usage: bun tests/kube/tls-probe.ts KUBECONFIG PATH
import { KubeClient } from "../../src/kube/client.ts";
import { kubeconfigConnection } from "../../src/kube/connection.ts";

const [file, path] = process.argv.slice(2);
try {
  const res = await new KubeClient(kubeconfigConnection(file!)).request("GET", path ?? "/api/v1/namespaces", { timeoutMs: 5000 });
  console.log(JSON.stringify({ ok: true, kind: res.kind ?? null }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: (e as Error).message }));
}
