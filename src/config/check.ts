// Semantic checks of the appliance configuration beyond types: safe listen addresses, enums, ranges.
// The check is also where the file's form becomes the typed one: each listen address is parsed here,
// once, and what runs takes the parsed value.
import type { ApplianceConfig, ApplianceConfigDraft, ApplianceConfigFile } from "./types.ts";
import { isIP } from "../net/ip.ts";
import { parsePoolEntry } from "../net/pool.ts";
import { isLocalOnly, parseAddress, type ListenAddress } from "../net/address.ts";

export interface ConfigProblem {
  path: Array<string | number>;
  message: string;
}

/** The listen address settings, each with who may reach it. */
export type ListenSetting = "envoy.adminAddress" | "health.address" | "admin.address" | "xds.tcpAddress";

/**
 * Parses one listen address setting (from the file or a flag) and applies its rule: where it may
 * listen, and for Envoy's admin API that the port is known. The address, or undefined with the
 * problem added to `problems` under the setting's path.
 */
export function parseListenSetting(problems: ConfigProblem[], setting: ListenSetting, text: string, allowNonLoopback: boolean): ListenAddress | undefined {
  const problem = (message: string): undefined => {
    problems.push({ path: setting.split("."), message });
    return undefined;
  };
  let a: ListenAddress;
  try {
    a = parseAddress(text, setting);
  } catch (e) {
    return problem((e as Error).message.replace(`${setting} `, ""));
  }
  const notLoopback = (hint: string) =>
    problem(`${JSON.stringify(text)} is not a loopback address: this endpoint must not be reachable from the network (${hint})`);
  switch (setting) {
    case "envoy.adminAddress":
      if (!isLocalOnly(a)) return notLoopback("use 127.0.0.1:PORT, [::1]:PORT or unix:///PATH");
      if (a.kind === "tcp" && a.port === 0) return problem("port 0 is not allowed: the supervisor must know where Envoy's admin API is");
      break;
    case "admin.address":
      if (!allowNonLoopback && !isLocalOnly(a)) return notLoopback("set admin.allowNonLoopback: true to expose /status and /metrics");
      break;
    case "xds.tcpAddress": {
      // Plaintext, unauthenticated xDS: never on a network address. Remote xDS clients need a proxy with mTLS.
      const hint = "xDS on TCP is plaintext and unauthenticated; use 127.0.0.1:PORT or [::1]:PORT";
      if (a.kind === "unix") return problem(`${JSON.stringify(text)}: must be a loopback HOST:PORT (${hint})`);
      if (!isLocalOnly(a)) return notLoopback(hint);
      break;
    }
    case "health.address":
      break;
  }
  return a;
}

/**
 * Checks the file's form and returns the typed configuration. Every listen address is parsed here
 * and nowhere after. `config` is there when every listen address is valid; it is the configuration
 * to run only when `problems` is empty too (or once checkSettings has passed it, after flags).
 */
export function checkConfig(c: ApplianceConfigFile): { config?: ApplianceConfigDraft; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const listen = (setting: ListenSetting, text: string): ListenAddress | undefined => parseListenSetting(problems, setting, text, c.admin.allowNonLoopback);
  const envoyAdmin = listen("envoy.adminAddress", c.envoy.adminAddress);
  const health = listen("health.address", c.health.address);
  const admin = listen("admin.address", c.admin.address);
  // "" turns the TCP listener off.
  const xdsTcp = c.xds.tcpAddress === "" ? undefined : listen("xds.tcpAddress", c.xds.tcpAddress);
  if (!envoyAdmin || !health || !admin || (c.xds.tcpAddress !== "" && !xdsTcp)) return { problems: [...problems, ...checkSettings(c)] };
  const config: ApplianceConfigDraft = {
    ...c,
    envoy: { ...c.envoy, adminAddress: envoyAdmin },
    // parseListenSetting refuses a Unix socket for xds.tcpAddress.
    xds: { socket: c.xds.socket, ...(xdsTcp?.kind === "tcp" ? { tcpAddress: xdsTcp } : {}) },
    health: { address: health },
    admin: { address: admin, allowNonLoopback: c.admin.allowNonLoopback },
  };
  return { config, problems: checkSettings(config) };
}

/** The checks of everything but the listen addresses (those are parsed by parseListenSetting). */
export function checkSettings(c: ApplianceConfig | ApplianceConfigFile): ConfigProblem[] {
  const out: ConfigProblem[] = [];
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
