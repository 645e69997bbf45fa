// Semantic checks of the appliance configuration beyond types: safe listen addresses, enums, ranges.
import type { ApplianceConfig } from "./types.ts";
import { isIP } from "../net/ip.ts";
import { parsePoolEntry } from "../net/pool.ts";
import { isLocalOnly, parseAddress, type ListenAddress } from "../net/address.ts";

export interface ConfigProblem {
  path: Array<string | number>;
  message: string;
}

type Reach = "any" | "local" | "loopback-tcp";

export function checkConfig(c: ApplianceConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  // One parser for every listen address (src/net/address.ts), the same one the servers bind with.
  const listen = (path: string[], v: string, reach: Reach, hint: string): void => {
    let a: ListenAddress;
    try {
      a = parseAddress(v, path.join("."));
    } catch (e) {
      out.push({ path, message: (e as Error).message.replace(`${path.join(".")} `, "") });
      return;
    }
    if (reach === "loopback-tcp" && a.kind === "unix") out.push({ path, message: `${JSON.stringify(v)}: must be a loopback HOST:PORT (${hint})` });
    else if (reach !== "any" && !isLocalOnly(a)) {
      out.push({ path, message: `${JSON.stringify(v)} is not a loopback address: this endpoint must not be reachable from the network (${hint})` });
    }
  };
  listen(["envoy", "adminAddress"], c.envoy.adminAddress, "local", "use 127.0.0.1:PORT, [::1]:PORT or unix:///PATH");
  if (/:0$/.test(c.envoy.adminAddress))
    out.push({ path: ["envoy", "adminAddress"], message: "port 0 is not allowed: the supervisor must know where Envoy's admin API is" });
  listen(["health", "address"], c.health.address, "any", "");
  listen(["admin", "address"], c.admin.address, c.admin.allowNonLoopback ? "any" : "local", "set admin.allowNonLoopback: true to expose /status and /metrics");
  // Plaintext, unauthenticated xDS: never on a network address. Remote xDS clients need a proxy with mTLS.
  if (c.xds.tcpAddress !== "")
    listen(["xds", "tcpAddress"], c.xds.tcpAddress, "loopback-tcp", "xDS on TCP is plaintext and unauthenticated; use 127.0.0.1:PORT or [::1]:PORT");
  if (c.envoy.launcher !== "" && !/^unix:\/\/\/./.test(c.envoy.launcher)) {
    out.push({
      path: ["envoy", "launcher"],
      message: `${JSON.stringify(c.envoy.launcher)}: must be "" (edgegate starts Envoy) or unix:///PATH of \`edgegate launcher\``,
    });
  }
  const enums: Array<[string[], string, readonly string[]]> = [
    [["exposure", "mode"], c.exposure.mode, ["hostNetwork", "nodePort"]],
    [["envoy", "xdsProtocol"], c.envoy.xdsProtocol, ["delta", "sotw"]],
    [["envoy", "logLevel"], c.envoy.logLevel, ["trace", "debug", "info", "warning", "error", "critical", "off"]],
    [["envoy", "stats", "detail"], c.envoy.stats.detail, ["basic", "cluster", "all"]],
    [["datapath", "mode"], c.datapath.mode, ["off", "tc", "sklookup"]],
    [["log", "level"], c.log.level, ["debug", "info", "warn", "error"]],
    [["log", "format"], c.log.format, ["json", "text"]],
  ];
  for (const [path, v, allowed] of enums)
    if (!allowed.includes(v)) out.push({ path, message: `must be one of ${allowed.join(", ")} (got ${JSON.stringify(v)})` });
  if (!isIP(c.exposure.bindAddress)) out.push({ path: ["exposure", "bindAddress"], message: `${JSON.stringify(c.exposure.bindAddress)} is not an IP address` });
  c.node.addresses.forEach((a, i) => {
    if (!isIP(a)) out.push({ path: ["node", "addresses", i], message: `${JSON.stringify(a)} is not an IP address` });
  });
  c.exposure.addressPool.forEach((a, i) => {
    const entry = parsePoolEntry(a);
    if ("error" in entry) out.push({ path: ["exposure", "addressPool", i], message: entry.error });
  });
  for (const [k, v] of Object.entries(c.exposure.nodePorts)) {
    if (!/^\d+$/.test(k) || Number(k) < 1 || Number(k) > 65535)
      out.push({ path: ["exposure", "nodePorts", k], message: "keys must be listener ports (1-65535)" });
    if (!Number.isInteger(v) || v < 1 || v > 65535) out.push({ path: ["exposure", "nodePorts", k], message: "must be a port number (1-65535)" });
  }
  if (!Number.isInteger(c.http.xffNumTrustedHops) || c.http.xffNumTrustedHops < 0)
    out.push({ path: ["http", "xffNumTrustedHops"], message: "must be a non-negative integer" });
  if (c.envoy.drainSeconds < 0) out.push({ path: ["envoy", "drainSeconds"], message: "must not be negative" });
  if (!Number.isInteger(c.envoy.maxDownstreamConnections) || c.envoy.maxDownstreamConnections < 1)
    out.push({ path: ["envoy", "maxDownstreamConnections"], message: "must be a positive integer" });
  if (!Number.isInteger(c.source.maxFileBytes) || c.source.maxFileBytes < 1)
    out.push({ path: ["source", "maxFileBytes"], message: "must be a positive integer" });
  if (!Number.isInteger(c.source.settleMs) || c.source.settleMs < 0 || c.source.settleMs > 60_000)
    out.push({ path: ["source", "settleMs"], message: "must be an integer from 0 to 60000" });
  if (c.source.paths.length === 0 && !c.source.kubernetes)
    out.push({ path: ["source"], message: "set source.paths (file mode) or source.kubernetes (Kubernetes mode)" });
  return out;
}
