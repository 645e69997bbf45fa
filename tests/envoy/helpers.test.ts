// The small pure pieces of supervision: argv, log parsing, backoff, executable lookup.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../../src/config/types.ts";
import { ENVOY_LOG_FORMAT, envoyArgs } from "../../src/envoy/command.ts";
import { forEachLine, parseEnvoyLogLine } from "../../src/envoy/log-lines.ts";
import { Backoff } from "../../src/envoy/backoff.ts";
import { envoyInstallHint, findExecutable } from "../../src/envoy/binary.ts";

describe("envoy argv", () => {
  test("defaults", () => {
    const e = defaultConfig("n").envoy;
    expect(envoyArgs(e, "/run/b.json", { epoch: 0, baseIdPath: "/run/id" })).toEqual([
      "--config-path",
      "/run/b.json",
      "--drain-time-s",
      "15",
      "--parent-shutdown-time-s",
      "17",
      "--log-level",
      "info",
      "--log-format",
      ENVOY_LOG_FORMAT,
      "--use-dynamic-base-id",
      "--base-id-path",
      "/run/id",
      "--restart-epoch",
      "0",
    ]);
  });
  test("a hot restart passes the base id and the next epoch; without a base id it refuses", () => {
    const e = defaultConfig("n").envoy;
    const a = envoyArgs(e, "/b", { epoch: 3, baseId: 77, baseIdPath: "/run/id" });
    expect(a.slice(a.indexOf("--base-id"), a.indexOf("--base-id") + 6)).toEqual(["--base-id", "77", "--base-id-path", "/run/id", "--restart-epoch", "3"]);
    expect(a).not.toContain("--use-dynamic-base-id");
    expect(() => envoyArgs(e, "/b", { epoch: 1, baseIdPath: "/run/id" })).toThrow(/base id/);
  });
  test("concurrency and extra args; an operator's --log-format wins", () => {
    const e = { ...defaultConfig("n").envoy, concurrency: 2, args: ["--log-format=%v", "--x"] };
    const a = envoyArgs(e, "/b", { epoch: 0, baseIdPath: "/id" });
    expect(a).not.toContain("--log-format");
    expect(a.slice(-4)).toEqual(["--concurrency", "2", "--log-format=%v", "--x"]);
  });
});

describe("envoy log lines", () => {
  test("our JSON format, with levels mapped", () => {
    const r = parseEnvoyLogLine(
      '{"level":"warning","logger":"config","thread":"12","src":"grpc_stream.h:193","msg":"StreamAggregatedResources gRPC config stream closed: 14, \\"no healthy upstream\\""}',
      "stderr",
    );
    expect(r).toEqual({
      level: "warn",
      msg: 'StreamAggregatedResources gRPC config stream closed: 14, "no healthy upstream"',
      fields: { stream: "stderr", envoy_logger: "config", thread: "12", src: "grpc_stream.h:193" },
    });
    expect(parseEnvoyLogLine('{"level":"critical","msg":"x"}', "stderr").level).toBe("error");
    expect(parseEnvoyLogLine('{"level":"trace","msg":"x"}', "stderr").level).toBe("debug");
  });
  test("Envoy's default text format and garbage pass through", () => {
    const t = "[2024-04-03 08:03:12.802][1][warning][main] [source/server/server.cc:747] there is no configured limit";
    expect(parseEnvoyLogLine(t, "stderr")).toEqual({ level: "warn", msg: t, fields: { stream: "stderr" } });
    expect(parseEnvoyLogLine("{not json", "stdout")).toEqual({ level: "info", msg: "{not json", fields: { stream: "stdout" } });
  });
  test("line splitting across chunks, last partial line flushed", async () => {
    const enc = new TextEncoder();
    const chunks = ["a\nb", "c\n\n", "d"];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of chunks) c.enqueue(enc.encode(ch));
        c.close();
      },
    });
    const lines: string[] = [];
    await forEachLine(stream, (l) => lines.push(l));
    expect(lines).toEqual(["a", "bc", "d"]);
  });
});

describe("backoff", () => {
  test("doubles, caps, resets after a long run", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, resetAfterMs: 5000 });
    expect([b.next(0), b.next(0), b.next(0), b.next(0), b.next(0), b.next(0)]).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.next(5000)).toBe(100);
    expect(b.next(10)).toBe(200);
  });
});

describe("executable lookup", () => {
  test("PATH search, absolute path, not executable", () => {
    const dir = mkdtempSync(join(tmpdir(), "eg-bin-"));
    writeFileSync(join(dir, "envoy"), "#!/bin/sh\n");
    writeFileSync(join(dir, "plain"), "");
    chmodSync(join(dir, "envoy"), 0o755);
    expect(findExecutable("envoy", `/nonexistent:${dir}`)).toBe(join(dir, "envoy"));
    expect(findExecutable(join(dir, "envoy"), undefined)).toBe(join(dir, "envoy"));
    expect(findExecutable("plain", dir)).toBeNull();
    expect(findExecutable("envoy", "")).toBeNull();
    expect(envoyInstallHint("envoy")).toContain("on PATH");
  });
});
