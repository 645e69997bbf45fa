// Stands in for Envoy under the real EnvoySupervisor: ignores Envoy's flags, listens on the given
// HOST:PORTs and tells each client its pid and what it saw (client address, original destination).
// A plain socket is enough: sk_lookup's bpf_sk_assign needs no IP_TRANSPARENT (Envoy sets it so it
// can also bind Gateway addresses the node does not own). The admin API is never served, so the
// supervisor keeps it in phase "starting" with its pid, which is all the registrar follows.
// usage: bun standin-envoy.ts HOST:PORT [HOST:PORT...] [-- envoy flags...]
import { createServer } from "node:net";

const args = process.argv.slice(2);
const end = args.indexOf("--");
for (const spec of end >= 0 ? args.slice(0, end) : args) {
  const i = spec.lastIndexOf(":");
  const host = spec.slice(0, i).replace(/^\[|\]$/g, "");
  const srv = createServer((s) => {
    s.end(JSON.stringify({ pid: process.pid, listener: spec, remote: s.remoteAddress, local: s.localAddress, localPort: s.localPort }) + "\n");
    s.on("error", () => {});
  });
  srv.listen({ host, port: Number(spec.slice(i + 1)) });
  srv.on("error", (e) => {
    console.error(`listen ${spec}: ${e.message}`);
    process.exit(1);
  });
}
