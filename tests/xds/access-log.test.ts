// Envoy's access log: JSON on Envoy's stdout, one object per request, read back by the supervisor
// as a structured log line. No Envoy runs here, so the Envoy side is proven against its proto (the
// proto3 JSON Envoy is given) and the edgegate side with a line in the shape Envoy would print.
import { describe, expect, test } from "bun:test";
import { create, toJson } from "@bufbuild/protobuf";
import { AnySchema, anyUnpack } from "@bufbuild/protobuf/wkt";
import { StdoutAccessLogSchema } from "../../src/gen/envoy/extensions/access_loggers/stream/v3/stream_pb.ts";
import { ACCESS_LOG_FIELDS, httpAccessLog } from "../../src/xds/emit/access-log.ts";
import { parseEnvoyLogLine } from "../../src/envoy/log-lines.ts";

describe("HTTP access log", () => {
  test("is Envoy's stdout logger with a JSON format carrying the request facts the issue asks for", () => {
    const [log] = httpAccessLog();
    expect(log!.name).toBe("envoy.access_loggers.stdout");
    const any = log!.configType!.value!;
    const cfg = anyUnpack(create(AnySchema, any), StdoutAccessLogSchema)!;
    const json = toJson(StdoutAccessLogSchema, cfg, { useProtoFieldName: true }) as {
      log_format: { json_format: Record<string, string>; omit_empty_values: boolean };
    };
    expect(json.log_format.omit_empty_values).toBe(true);
    const f = json.log_format.json_format;
    expect(f.client_address).toBe("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%");
    expect(f.route_name).toBe("%ROUTE_NAME%");
    expect(f.upstream_cluster).toBe("%UPSTREAM_CLUSTER%");
    expect(f.response_flags).toBe("%RESPONSE_FLAGS%");
    expect(f.duration_ms).toBe("%DURATION%");
    expect(f.status).toBe("%RESPONSE_CODE%");
    expect(f.bytes_sent).toBe("%BYTES_SENT%");
    expect(f.bytes_received).toBe("%BYTES_RECEIVED%");
    // Every value is exactly one command operator (Envoy then renders it typed) or a constant.
    for (const [k, v] of Object.entries(f)) expect(`${k}=${v}`).toMatch(/^[a-z_]+=(%[A-Z_]+(\([^)]*\))?%|[a-z_]+)$/);
  });

  test("a line Envoy prints in that format becomes one structured log record with every fact as a field", () => {
    // What Envoy writes for one request: the constants as given, operators typed, "-" values omitted.
    const line = JSON.stringify({
      level: "info",
      logger: "access_log",
      msg: "access",
      start_time: "2026-12-05T00:00:00.000Z",
      client_address: "203.0.113.7",
      peer_address: "10.0.0.2:51234",
      method: "GET",
      authority: "shop.example.com",
      path: "/cart",
      protocol: "HTTP/1.1",
      route_name: "HTTPRoute/default/shop/rule/0/match/0",
      upstream_cluster: "default/shop/8080",
      upstream_host: "10.1.0.5:8080",
      status: 503,
      response_flags: "UF",
      duration_ms: 12,
      bytes_received: 0,
      bytes_sent: 91,
    });
    const rec = parseEnvoyLogLine(line, "stdout");
    expect(rec.level).toBe("info");
    expect(rec.msg).toBe("access");
    expect(rec.fields).toMatchObject({
      stream: "stdout",
      envoy_logger: "access_log",
      client_address: "203.0.113.7",
      route_name: "HTTPRoute/default/shop/rule/0/match/0",
      upstream_cluster: "default/shop/8080",
      response_flags: "UF",
      status: 503,
      duration_ms: 12,
      bytes_sent: 91,
    });
    expect(Object.keys(rec.fields)).not.toContain("logger");
    // Every field the format can produce arrives (constants aside).
    const produced = Object.keys(ACCESS_LOG_FIELDS).filter((k) => !["level", "logger", "msg"].includes(k));
    for (const k of Object.keys(JSON.parse(line) as object)) if (produced.includes(k)) expect(rec.fields[k]).toBeDefined();
  });

  test("Envoy's own JSON log lines are not mistaken for access records", () => {
    const rec = parseEnvoyLogLine(JSON.stringify({ level: "warning", logger: "config", thread: "1", msg: "gRPC config stream closed", status: 14 }), "stderr");
    expect(rec.fields.status).toBeUndefined();
    expect(rec.level).toBe("warn");
  });
});
