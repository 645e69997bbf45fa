// The appliance configuration: defaults are safe, unknown keys and wrong types are errors with the
// file and line, and the commented example in config/ is valid.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfig, parseConfig } from "../../src/config/load.ts";
import { formatProblem } from "../../src/validate/problems.ts";

const lines = (file: string, text: string): string[] => parseConfig(file, text).problems.map(formatProblem);

describe("config/edgegate.yaml", () => {
  test("the shipped example is valid and resolves input paths relative to itself", () => {
    const c = loadConfig(join(import.meta.dir, "../../config/edgegate.yaml"));
    expect(c.problems).toEqual([]);
    expect(c.config.source.paths).toEqual([join(import.meta.dir, "../../config/examples/lab")]);
    expect(c.config.nodes.matchLabels).toEqual({ "edgegate.io/gateway": "true" });
  });

  test("defaults keep admin, xDS and Envoy's admin off the network", () => {
    const c = parseConfig("/etc/edgegate/edgegate.yaml", "source: {paths: [/srv/gw]}\n").config;
    expect(c.admin.address).toBe("127.0.0.1:9901");
    expect(c.envoy.adminAddress).toBe("127.0.0.1:9902");
    expect(c.xds.socket).toStartWith("/run/");
    expect(c.xds.tcpAddress).toBe("");
    expect(c.http.xffNumTrustedHops).toBe(0);
  });

  test("an unknown key is an error with its line and a list of what is known", () => {
    expect(lines("e.yaml", "source: {paths: [a]}\nhttp:\n  xffNumTrustedHop: 1\n")).toEqual([
      "e.yaml:3: http.xffNumTrustedHop: unknown setting (known: xffNumTrustedHops)",
    ]);
  });

  test("wrong types and unsafe listen addresses are reported", () => {
    expect(lines("e.yaml", "source: {paths: [a]}\nenvoy:\n  drainSeconds: soon\n")).toEqual(['e.yaml:3: envoy.drainSeconds: must be a number (got "soon")']);
    expect(lines("e.yaml", "source: {paths: [a]}\nenvoy:\n  adminAddress: 0.0.0.0:9902\n")).toEqual([
      'e.yaml:3: envoy.adminAddress: "0.0.0.0:9902" is not a loopback address: this endpoint must not be reachable from the network (use 127.0.0.1:PORT, [::1]:PORT or unix:///PATH)',
    ]);
    expect(lines("e.yaml", "source: {paths: [a]}\nnodes:\n  matchLabels: {role: 1}\n")).toEqual(["e.yaml:3: nodes.matchLabels.role: must be a string"]);
    expect(lines("e.yaml", "source: {paths: [a]}\ndatapath: {mode: xdp}\n")).toEqual(['e.yaml:2: datapath.mode: must be one of off, tc, sklookup (got "xdp")']);
  });

  test("xDS on TCP is loopback only: every other address is refused at check time", () => {
    for (const a of ["0.0.0.0:18000", "[::]:18000", "0", "10.1.2.3:18000", ":18000", "unix:///run/x.sock"]) {
      const got = lines("e.yaml", `source: {paths: [a]}\nxds:\n  tcpAddress: "${a}"\n`);
      expect(got).toHaveLength(1);
      expect(got[0]).toStartWith("e.yaml:3: xds.tcpAddress: ");
    }
    expect(lines("e.yaml", `source: {paths: [a]}\nxds:\n  tcpAddress: "0.0.0.0:18000"\n`)[0]).toContain("plaintext and unauthenticated");
    for (const a of ["127.0.0.1:18000", "[::1]:18000", "[0:0:0:0:0:0:0:1]:18000", "localhost:18000"]) {
      expect(lines("e.yaml", `source: {paths: [a]}\nxds:\n  tcpAddress: "${a}"\n`)).toEqual([]);
    }
  });

  test("a non-loopback admin.address needs admin.allowNonLoopback", () => {
    expect(lines("e.yaml", "source: {paths: [a]}\nadmin:\n  address: 0.0.0.0:9901\n")).toEqual([
      'e.yaml:3: admin.address: "0.0.0.0:9901" is not a loopback address: this endpoint must not be reachable from the network (set admin.allowNonLoopback: true to expose /status and /metrics)',
    ]);
    expect(lines("e.yaml", "source: {paths: [a]}\nadmin:\n  address: 0.0.0.0:9901\n  allowNonLoopback: true\n")).toEqual([]);
  });

  test("one address parser: what the check accepts, the servers can bind", () => {
    expect(lines("e.yaml", "source: {paths: [a]}\nenvoy:\n  adminAddress: 127.0.0.999:9901\n")).toEqual([
      'e.yaml:3: envoy.adminAddress: "127.0.0.999:9901": "127.0.0.999" is not an IPv4 address (write IPv6 as [ADDRESS]:PORT)',
    ]);
    expect(lines("e.yaml", 'source: {paths: [a]}\nenvoy:\n  adminAddress: "[0:0:0:0:0:0:0:1]:9902"\n')).toEqual([]);
    expect(lines("e.yaml", "source: {paths: [a]}\nhealth:\n  address: 0.0.0.0:70000\n")).toEqual([
      'e.yaml:3: health.address: "0.0.0.0:70000": port 70000 is out of range (0-65535)',
    ]);
  });

  test("the default health address is not kube-proxy's 10256", () => {
    const c = parseConfig("e.yaml", "source: {paths: [/srv/gw]}\n").config;
    expect(c.health.address).toBe("0.0.0.0:10266");
  });

  test("no input source at all is an error", () => {
    expect(lines("e.yaml", "log: {level: debug}\n")).toEqual(["e.yaml:1: source: set source.paths (file mode) or source.kubernetes (Kubernetes mode)"]);
  });

  test("malformed YAML is reported with its line", () => {
    expect(lines("e.yaml", "source:\n  paths: [a\nlog: {}\n")[0]).toStartWith("e.yaml:");
  });
});
