// Child process for the xDS benches: N real grpc-js-xds channels to xds:///<listener>, each with its
// own bootstrap (so its own xDS client, ADS stream and node id <prefix>-<i>). They only resolve
// (no RPCs): the benches measure configuration delivery, which the server sees as ACKs.
// Usage: bun bench/xds/grpc-clients.ts ADS_PORT LISTENER NODE_PREFIX COUNT
import * as grpc from "@grpc/grpc-js";
import * as xds from "@grpc/grpc-js-xds";

xds.register();
const [port, listener, prefix, count] = process.argv.slice(2);
const channels: grpc.Channel[] = [];
for (let i = 0; i < Number(count ?? 1); i++) {
  const bootstrap = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${port}`, channel_creds: [{ type: "insecure" }], server_features: ["xds_v3"] }],
    node: { id: `${prefix}-${i}`, cluster: "bench", locality: {} },
  });
  const ch = new grpc.Channel(`xds:///${listener}`, grpc.credentials.createInsecure(), {
    "grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config": bootstrap,
    // Large synthetic route configurations exceed the 4 MiB default; MAX_RECEIVE=0 keeps gRPC's default.
    ...(process.env.MAX_RECEIVE === "0" ? {} : { "grpc.max_receive_message_length": Number(process.env.MAX_RECEIVE ?? 256 << 20) }),
  });
  ch.getConnectivityState(true); // starts resolution, i.e. the xDS watches
  channels.push(ch);
}
console.log("started", channels.length);
process.on("SIGTERM", () => process.exit(0));
// The bench holds our stdin open; when it exits (even by crashing) stdin ends and so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
