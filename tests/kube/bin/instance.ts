// One edgegate instance for the leader-election test, as its own process (so it can be SIGKILLed):
// the Kubernetes source, compile, and the Lease-elected status writer. Prints one JSON line per
// leadership change: {"leader":true,"at":<epoch ms>}. SIGTERM stops it gracefully (lease released).
// Usage: bun tests/kube/bin/instance.ts KUBECONFIG NODE_NAME LEASE_MS
import { kubeconfigConnection } from "../../../src/kube/connection.ts";
import type { ApiServer } from "../apiserver.ts";
import { fast, startPipeline } from "../pipeline.ts";

const [kubeconfig, nodeName, leaseMs] = process.argv.slice(2);
const conn = kubeconfigConnection(kubeconfig!);
// startPipeline wants an ApiServer only for its connection.
const api = { connection: () => conn } as unknown as ApiServer;
const p = await startPipeline(api, { nodeName, kube: { ...fast, lease: { durationMs: Number(leaseMs), retryPeriodMs: Math.round(Number(leaseMs) / 15) } } });
let leader = false;
setInterval(() => {
  const now = p.kube.details().lease.leader;
  if (now !== leader) {
    leader = now;
    console.log(JSON.stringify({ leader, at: Date.now() }));
  }
}, 10);
process.on("SIGTERM", () => {
  void p.stop().then(() => process.exit(0));
});
console.log(JSON.stringify({ started: true, at: Date.now() }));
