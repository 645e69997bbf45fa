// The logger's formats and rate limit, and input problems as log events.
import { describe, expect, test } from "bun:test";
import { createLogger, type Fields } from "../../src/log/logger.ts";
import { ProblemLog } from "../../src/log/problems.ts";
import { ObjectStore } from "../../src/store/store.ts";
import { storedObject, type StoredObject } from "../../src/store/types.ts";
import type { Problem } from "../../src/validate/problems.ts";
import { parseEnvoyLogLine } from "../../src/envoy/log-lines.ts";

function sink() {
  const lines: string[] = [];
  return { sink: { write: (l: string) => void lines.push(l) }, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("logger", () => {
  test("JSON: one object per line, arrays stay arrays, debug only when asked", () => {
    const s = sink();
    const log = createLogger({ sink: s.sink, base: { node: "n1" } });
    log.info("configuration published", { changed: ["lds", "rds"], objects: 3 });
    log.debug("compile timings", { ms: 1 });
    expect(s.json()).toEqual([expect.objectContaining({ level: "info", msg: "configuration published", node: "n1", changed: ["lds", "rds"], objects: 3 })]);
    expect(log.enabled("debug")).toBe(false);
    const d = sink();
    const dbg = createLogger({ sink: d.sink, level: "debug" });
    dbg.debug("compile timings", { ms: 1 });
    expect(d.json()[0]).toMatchObject({ level: "debug", msg: "compile timings" });
  });

  test("text: key=value, quoted when needed, arrays joined", () => {
    const s = sink();
    createLogger({ sink: s.sink, format: "text" }).warn("x happened", { file: "a b.yaml", changed: ["lds", "rds"], empty: "" });
    expect(s.lines[0]).toMatch(/^\S+ WARN {2}x happened file="a b.yaml" changed=lds,rds empty=""\n$/);
  });

  test("a repeated warning or error is rate-limited per message; the next one that gets through says how many were dropped", () => {
    const s = sink();
    let t = 0;
    const log = createLogger({ sink: s.sink, rateLimit: { burst: 3, windowMs: 1000 }, now: () => t });
    const child = log.with({ component: "envoy" });
    for (let i = 0; i < 10; i++) (i % 2 ? child : log).error("envoy exited; restarting after backoff", { i });
    log.warn("another message");
    for (let i = 0; i < 5; i++) log.info("info is never limited");
    expect(
      s
        .json()
        .filter((r) => r.msg === "envoy exited; restarting after backoff")
        .map((r) => r.i),
    ).toEqual([0, 1, 2]);
    expect(s.json().filter((r) => r.msg === "info is never limited")).toHaveLength(5);
    expect(s.json().some((r) => r.msg === "another message")).toBe(true);
    t = 1000;
    log.error("envoy exited; restarting after backoff", { i: 10 });
    expect(s.json().at(-1)).toMatchObject({ i: 10, suppressed: 7 });
  });
});

describe("input problems in the log", () => {
  const stored = (kind: string, namespace: string, name: string, file: string): StoredObject =>
    storedObject({ apiVersion: "v1", kind, metadata: { name, namespace } }, { source: "file", file, line: 1, text: "" });
  const bad: Problem = {
    file: "routes.yaml",
    line: 5,
    object: { kind: "HTTPRoute", namespace: "default", name: "web" },
    path: "spec.hostnames[0]",
    message: "must be a valid hostname",
  };

  test("an ignored duplicate is worded as one (not as a kept last good version)", () => {
    const s = sink();
    const copies = [stored("Service", "default", "web", "a.yaml")];
    const dup = new ObjectStore();
    for (const f of ["a.yaml", "b.yaml"])
      dup.update(f, { objects: [stored("Service", "default", "web", f)], invalid: [], complete: true, problems: [], warnings: [] });
    new ProblemLog(createLogger({ sink: s.sink })).report(
      dup.problems().map((problem) => ({ problem, phase: "input" as const })),
      copies,
    );
    expect(s.json().map((r) => [r.msg, r.file])).toEqual([["duplicate input; this copy is ignored, the first definition is served", "b.yaml"]]);
  });

  test("structured fields; wording for a kept previous version vs a new object; once per problem; a line when resolved", () => {
    const s = sink();
    const pl = new ProblemLog(createLogger({ sink: s.sink }));
    pl.report([{ problem: bad, phase: "input" }], [stored("HTTPRoute", "default", "web", "routes.yaml")]);
    pl.report([{ problem: bad, phase: "input" }], [stored("HTTPRoute", "default", "web", "routes.yaml")]);
    const fresh: Problem = { ...bad, object: { kind: "HTTPRoute", namespace: "default", name: "new" } };
    pl.report(
      [
        { problem: bad, phase: "input" },
        { problem: fresh, phase: "input" },
      ],
      [stored("HTTPRoute", "default", "web", "routes.yaml")],
    );
    pl.report([], []);
    const recs = s.json().map(({ ts: _ts, ...r }) => r as Fields);
    expect(recs).toEqual([
      {
        level: "warn",
        msg: "invalid input; the last good version stays in force",
        file: "routes.yaml",
        line: 5,
        kind: "HTTPRoute",
        namespace: "default",
        name: "web",
        field: "spec.hostnames[0]",
        message: "must be a valid hostname",
      },
      {
        level: "warn",
        msg: "invalid input; the object is not served (it has no earlier valid version)",
        file: "routes.yaml",
        line: 5,
        kind: "HTTPRoute",
        namespace: "default",
        name: "new",
        field: "spec.hostnames[0]",
        message: "must be a valid hostname",
      },
      {
        level: "info",
        msg: "input problem resolved",
        file: "routes.yaml",
        line: 5,
        kind: "HTTPRoute",
        namespace: "default",
        name: "web",
        field: "spec.hostnames[0]",
        message: "must be a valid hostname",
      },
      {
        level: "info",
        msg: "input problem resolved",
        file: "routes.yaml",
        line: 5,
        kind: "HTTPRoute",
        namespace: "default",
        name: "new",
        field: "spec.hostnames[0]",
        message: "must be a valid hostname",
      },
    ]);
    expect(pl.count).toBe(0);
  });

  test("a file that does not parse, and a reference problem", () => {
    const s = sink();
    const pl = new ProblemLog(createLogger({ sink: s.sink }));
    pl.report(
      [
        { problem: { file: "routes.yaml", line: 3, message: "bad indentation" }, phase: "input" },
        { problem: { ...bad, path: "spec.rules[0].backendRefs[0]", message: 'service "x" not found' }, phase: "reference" },
      ],
      [stored("HTTPRoute", "default", "web", "routes.yaml")],
    );
    expect(s.json().map((r) => r.msg)).toEqual([
      "invalid input; the file's last good objects stay in force",
      "input problem; served without the part that has the problem",
    ]);
  });
});

test("Envoy's critical and error lines are logged at ERROR, in its default and edgegate's JSON format", () => {
  expect(parseEnvoyLogLine("[2026-01-01 00:00:00.000][7][critical][main] [source/server/server.cc:131] error initializing configuration", "stderr").level).toBe(
    "error",
  );
  expect(parseEnvoyLogLine('{"level":"critical","logger":"main","msg":"error initializing configuration"}', "stderr").level).toBe("error");
  expect(parseEnvoyLogLine('{"level":"error","logger":"config","msg":"gRPC config stream closed"}', "stderr").level).toBe("error");
});
