// Stands in for Envoy's listener socket: on each connection it writes one JSON line with what it
// saw (client address and the local address, i.e. the original destination), then echoes lines.
// usage: bun listener.ts HOST:PORT [HOST:PORT...]   prints "ready" once every socket listens.
import { createServer } from "node:net";

const specs = process.argv.slice(2);
let ready = 0;
for (const spec of specs) {
  const i = spec.lastIndexOf(":");
  const host = spec.slice(0, i).replace(/^\[|\]$/g, "");
  const port = Number(spec.slice(i + 1));
  const srv = createServer((s) => {
    s.write(JSON.stringify({ listener: spec, remote: s.remoteAddress, remotePort: s.remotePort, local: s.localAddress, localPort: s.localPort }) + "\n");
    s.on("data", (d) => s.write(d));
    s.on("error", () => {});
  });
  srv.listen({ host, port, ipv6Only: host.includes(":") && host !== "::" }, () => {
    if (++ready === specs.length) console.log("ready");
  });
  srv.on("error", (e) => {
    console.error(`listen ${spec}: ${e.message}`);
    process.exit(1);
  });
}
