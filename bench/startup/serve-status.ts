// Entry for the start-up benchmark: only the health/status servers with a static status, i.e. the
// part of `edgegate run` this measures. Prints nothing; listens until killed.
import { startStatusServers } from "../../src/server/listen.ts";
import { parseAddress } from "../../src/net/address.ts";
import { silentLogger } from "../../src/log/logger.ts";
import type { ApplianceStatus } from "../../src/server/status-types.ts";

const status: ApplianceStatus = {
  version: "bench",
  startedAt: new Date().toISOString(),
  node: { name: "bench", labels: {}, selector: {}, selected: true },
  envoy: { phase: "not-found", message: "bench", restarts: 0 },
  xds: {
    snapshot: { seq: 0, version: "", publishedAt: 0, publishMs: 0 },
    clients: [],
    counters: { publishes: 0, pushes: {}, acks: {}, nacks: {}, connectedClients: 0 },
  },
  inputs: { objects: [], problems: [] },
  listeners: [],
  datapath: {},
  source: { mode: "files", state: "starting", objects: 0 },
};
await startStatusServers({
  health: parseAddress(process.argv[2] ?? "127.0.0.1:0", "health"),
  admin: parseAddress(process.argv[3] ?? "127.0.0.1:0", "admin"),
  provider: { snapshot: () => status },
  logger: silentLogger,
});
