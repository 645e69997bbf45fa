// Bootstrap generation: golden files for the default config and a SotW / Unix-admin variant,
// plus the rules it enforces. UPDATE_GOLDEN=1 rewrites the golden files (review the diff).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultConfig, defaultConfigFile, type ApplianceConfigDraft, type ApplianceConfigFile } from "../../src/config/types.ts";
import { checkConfig } from "../../src/config/check.ts";
import { parseAddress } from "../../src/net/address.ts";
import { BootstrapError, buildBootstrap, renderBootstrap } from "../../src/envoy/bootstrap.ts";
import { adminRequestTarget, isLoopbackIp, parseAdminAddress } from "../../src/envoy/admin-address.ts";

function golden(name: string, actual: string): void {
  const file = join(import.meta.dir, "golden", name);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, actual);
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

function config(patch: (c: ApplianceConfigDraft) => void = () => {}): ApplianceConfigDraft {
  const c = defaultConfig("edge-1");
  patch(c);
  return c;
}

function fileConfig(patch: (c: ApplianceConfigFile) => void): ApplianceConfigFile {
  const c = defaultConfigFile("edge-1");
  c.source.paths = ["/srv/gw"];
  patch(c);
  return c;
}

describe("bootstrap", () => {
  test("default config (delta ADS, loopback admin)", () => {
    golden("bootstrap-default.json", renderBootstrap(config()));
  });

  test("SotW ADS, Unix admin socket, custom limits", () => {
    const c = config((c) => {
      c.envoy.xdsProtocol = "sotw";
      c.envoy.adminAddress = { kind: "unix", path: "/run/edgegate/envoy-admin.sock" };
      c.envoy.maxDownstreamConnections = 1234;
      c.xds.socket = "/var/run/eg/xds.sock";
    });
    golden("bootstrap-sotw-unix-admin.json", renderBootstrap(c));
  });

  test("the parts Envoy depends on", () => {
    // biome-ignore lint/suspicious/noExplicitAny: walks deep into Envoy's bootstrap JSON; the assertions check the shape
    const j = JSON.parse(renderBootstrap(config((c) => (c.envoy.xdsProtocol = "sotw")))) as Record<string, any>;
    expect(j.node).toEqual({ id: "edge-1", cluster: "edgegate" });
    expect(j.dynamic_resources.ads_config.api_type).toBe("GRPC");
    expect(j.dynamic_resources.lds_config).toEqual({ ads: {}, resource_api_version: "V3" });
    expect(j.dynamic_resources.cds_config).toEqual({ ads: {}, resource_api_version: "V3" });
    const xds = j.static_resources.clusters[0];
    expect(xds.name).toBe("xds_cluster");
    expect(xds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.pipe.path).toBe("/run/edgegate/xds.sock");
    expect(xds.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]["@type"]).toBe(
      "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
    );
    const mon = j.overload_manager.resource_monitors[0];
    expect(mon.name).toBe("envoy.resource_monitors.global_downstream_max_connections");
    expect(mon.typed_config.max_active_downstream_connections).toBe("50000");
    expect(j.admin.ignore_global_conn_limit).toBe(true);
  });

  test("deterministic", () => {
    expect(renderBootstrap(config())).toBe(renderBootstrap(config()));
  });

  test("refuses a non-loopback admin address with a clear error", () => {
    // The configuration's check refuses these at load, naming the field (tests/config); a
    // configuration built in code meets the same rule here, on the parsed value.
    for (const a of ["0.0.0.0:9902", "10.0.0.5:9902", "[::]:9902"]) {
      expect(checkConfig(fileConfig((c) => (c.envoy.adminAddress = a))).problems).toEqual([
        { path: ["envoy", "adminAddress"], message: expect.stringContaining("is not a loopback address") },
      ]);
      expect(() => buildBootstrap(config((c) => (c.envoy.adminAddress = parseAddress(a, "envoy.adminAddress"))))).toThrow(/must listen on loopback/);
    }
    // A name is not an address Envoy can bind: refused as such.
    for (const a of ["example.com:9902", "127.0.0.999:9902"]) {
      expect(checkConfig(fileConfig((c) => (c.envoy.adminAddress = a))).problems[0]?.message).toMatch(/is not an IPv4 address/);
    }
    expect(checkConfig(fileConfig((c) => (c.envoy.adminAddress = "9902"))).problems[0]?.message).toMatch(/expected IPv4:PORT/);
    expect(checkConfig(fileConfig((c) => (c.envoy.adminAddress = "unix://relative.sock"))).problems[0]?.message).toMatch(/absolute path/);
    expect(() => buildBootstrap(config((c) => (c.envoy.adminAddress = { kind: "tcp", host: "127.0.0.1", port: 0 })))).toThrow(/port must be 1..65535/);
  });

  test("refuses an unlimited connection count and an empty node name", () => {
    expect(() => buildBootstrap(config((c) => (c.envoy.maxDownstreamConnections = 0)))).toThrow(BootstrapError);
    expect(() => buildBootstrap(config((c) => (c.node.name = "")))).toThrow(/node id/);
  });
});

describe("admin address", () => {
  test("parses loopback and Unix forms", () => {
    expect(parseAdminAddress("127.0.0.1:9902")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 9902 });
    expect(parseAdminAddress("127.3.2.1:1")).toEqual({ kind: "tcp", host: "127.3.2.1", port: 1 });
    expect(parseAdminAddress("[::1]:9902")).toEqual({ kind: "tcp", host: "::1", port: 9902 });
    expect(parseAdminAddress("localhost:9902")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 9902 });
    expect(parseAdminAddress("unix:///a/b.sock")).toEqual({ kind: "unix", path: "/a/b.sock" });
    expect(() => parseAdminAddress("127.0.0.1:70000")).toThrow(/port/);
    expect(isLoopbackIp("128.0.0.1")).toBe(false);
    expect(isLoopbackIp("127.0.0.256")).toBe(false);
    expect(parseAdminAddress("[0:0:0:0:0:0:0:1]:9902")).toEqual({ kind: "tcp", host: "::1", port: 9902 });
    expect(() => parseAdminAddress("127.0.0.1:0")).toThrow(/port must be 1..65535/);
  });

  test("request targets", () => {
    expect(adminRequestTarget({ kind: "tcp", host: "::1", port: 1 }, "/ready")).toEqual({ url: "http://[::1]:1/ready" });
    expect(adminRequestTarget({ kind: "unix", path: "/s" }, "/ready")).toEqual({ url: "http://localhost/ready", unix: "/s" });
  });
});
