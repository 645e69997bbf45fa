// The configuration tests start an in-process appliance with: inputs from `dir`, the xDS socket in
// it (and a TCP xDS address when proxyless clients connect), status ports on any free loopback port,
// and no Envoy binary (edgegate reports it missing and runs everything else).
import { join } from "node:path";
import { defaultConfig, type ApplianceConfigDraft } from "../../src/config/types.ts";

export function testApplianceConfig(name: string, dir: string, xdsTcpPort?: number): ApplianceConfigDraft {
  const config = defaultConfig(name);
  config.source.paths = [dir];
  config.xds = { socket: join(dir, "xds.sock"), ...(xdsTcpPort !== undefined ? { tcpAddress: { kind: "tcp", host: "127.0.0.1", port: xdsTcpPort } } : {}) };
  config.health.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
  config.admin.address = { kind: "tcp", host: "127.0.0.1", port: 0 };
  config.envoy = { ...config.envoy, path: "/nonexistent/envoy", drainSeconds: 0 };
  return config;
}
