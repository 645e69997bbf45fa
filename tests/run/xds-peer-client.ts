// A local process that is not the supervised Envoy but speaks ADS with the node's id and ACKs: the
// impostor of tests/run/xds-peer.test.ts. Argument: the Unix socket. Prints "ACKED" once it has.
import { TypeUrl } from "../../src/xds/resources.ts";
import { openSotw } from "../doubles/xds-client.ts";

const s = openSotw({ unix: process.argv[2]! });
s.request({ node: { id: process.argv[3] ?? "lab-node" }, typeUrl: TypeUrl.cluster });
const r = await s.at(0);
s.request({ typeUrl: TypeUrl.cluster, versionInfo: r.versionInfo, responseNonce: r.nonce });
process.stdout.write("ACKED\n");
setInterval(() => {}, 1 << 30);
