// The configuration's typed form: listen addresses are parsed once, at load, into ListenAddress
// values; what runs (status servers, xDS, Envoy's bootstrap and supervisor) takes those values and
// never parses an address again.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { checkConfig } from "../../src/config/check.ts";
import { parseConfig } from "../../src/config/load.ts";
import { defaultConfig, defaultConfigFile } from "../../src/config/types.ts";
import { renderBootstrap } from "../../src/envoy/bootstrap.ts";
import { formatProblem } from "../../src/validate/problems.ts";

const src = join(import.meta.dir, "../../src");

describe("listen addresses are typed at load", () => {
  test("an address the parser refuses fails at load, naming file, line and field, and gives no typed form", () => {
    const r = parseConfig("e.yaml", "source: {paths: [a]}\nadmin:\n  address: 127.0.0.999:9901\n");
    expect(r.problems.map(formatProblem)).toEqual([
      'e.yaml:3: admin.address: "127.0.0.999:9901": "127.0.0.999" is not an IPv4 address (write IPv6 as [ADDRESS]:PORT)',
    ]);
    expect(r.typed).toBeUndefined();
  });

  test("the typed form holds parsed values: canonical hosts, localhost as 127.0.0.1, Unix paths", () => {
    const r = parseConfig(
      "/etc/edgegate/edgegate.yaml",
      [
        "source: {paths: [/srv/gw]}",
        'health: {address: ":10266"}',
        "admin: {address: unix:///run/edgegate/admin.sock}",
        'envoy: {adminAddress: "[0:0:0:0:0:0:0:1]:9902"}',
        "xds: {tcpAddress: localhost:18000}",
        "",
      ].join("\n"),
    );
    expect(r.problems).toEqual([]);
    expect(r.typed?.health.address).toEqual({ kind: "tcp", host: "0.0.0.0", port: 10266 });
    expect(r.typed?.admin.address).toEqual({ kind: "unix", path: "/run/edgegate/admin.sock" });
    expect(r.typed?.envoy.adminAddress).toEqual({ kind: "tcp", host: "::1", port: 9902 });
    expect(r.typed?.xds.tcpAddress).toEqual({ kind: "tcp", host: "127.0.0.1", port: 18000 });
  });

  test("xds.tcpAddress unset is absent, not an empty string", () => {
    const r = parseConfig("e.yaml", "source: {paths: [/srv/gw]}\n");
    expect(r.typed).toBeDefined();
    expect(r.typed && "tcpAddress" in r.typed.xds).toBe(false);
  });

  test("the defaults are the same in both forms", () => {
    const file = defaultConfigFile("n");
    expect([file.health.address, file.admin.address, file.envoy.adminAddress, file.xds.tcpAddress]).toEqual([
      "0.0.0.0:10266",
      "127.0.0.1:9901",
      "127.0.0.1:9902",
      "",
    ]);
    file.source.paths = ["/srv/gw"];
    const typed = defaultConfig("n");
    typed.source.paths = ["/srv/gw"];
    expect(checkConfig(file)).toEqual({ config: typed, problems: [] });
  });

  test("what Envoy is told is the parsed value, spelled canonically", () => {
    const r = parseConfig("e.yaml", 'source: {paths: [/srv/gw]}\nenvoy: {adminAddress: "[0:0:0:0:0:0:0:1]:9902"}\n');
    if (!r.typed) throw new Error("expected a typed configuration");
    const admin = (JSON.parse(renderBootstrap(r.typed)) as { admin: { address: unknown } }).admin.address;
    expect(admin).toEqual({ socket_address: { address: "::1", port_value: 9902 } });
  });
});

describe("no second parse", () => {
  // The address parsers and who may call them: the configuration's check, the command line's
  // --admin of status/dump, and the Envoy record read back from the runtime folder. A module that
  // runs with the typed configuration and imports a parser is parsing an address a second time.
  const allowed: Record<string, string[]> = {
    parseAddress: ["cli/admin.ts", "config/check.ts", "envoy/admin-address.ts"],
    parseAdminAddress: ["envoy/identity.ts"],
    parseListenSetting: ["cli/run.ts"],
  };

  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts"))
      .map((e) => join(e.parentPath, e.name))
      .filter((f) => !relative(src, f).startsWith("gen/"));
  }

  test("only the modules that read text import an address parser", () => {
    const found: Record<string, string[]> = { parseAddress: [], parseAdminAddress: [], parseListenSetting: [] };
    for (const file of sources(src)) {
      const text = readFileSync(file, "utf8");
      for (const name of Object.keys(found)) {
        if (new RegExp(`import \\{[^}]*\\b${name}\\b[^}]*\\} from`).test(text)) found[name]!.push(relative(src, file));
      }
    }
    for (const name of Object.keys(found)) found[name]!.sort();
    expect(found).toEqual(allowed);
  });
});
