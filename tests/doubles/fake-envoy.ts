// A test double for the Envoy process, for supervision tests only: it reads the bootstrap given by
// --config-path, serves the admin endpoints the supervisor uses (/ready, /drain_listeners) on the
// bootstrap's admin address, logs like Envoy with edgegate's --log-format, and misbehaves on request.
// It is not an Envoy: it serves no traffic and ignores xDS.
//
// Behaviour comes from environment variables (the supervisor passes its env to the child):
//   FAKE_ENVOY_EVENTS       file to append one JSON line per event (start, drain, sigterm, exit)
//   FAKE_ENVOY_READY_AFTER_MS  /ready answers 503 INITIALIZING until then (default 0)
//   FAKE_ENVOY_CRASH_TIMES  with FAKE_ENVOY_COUNTER: the first N starts exit with FAKE_ENVOY_EXIT_CODE
//   FAKE_ENVOY_CRASH_AFTER_MS  how long such a start runs before exiting (default 50)
//   FAKE_ENVOY_EXIT_CODE    exit code of a crash (default 1)
//   FAKE_ENVOY_IGNORE_SIGTERM  "1": keep running on SIGTERM (only SIGKILL ends it)
//   FAKE_ENVOY_NO_ADMIN     "1": never open the admin address
// and at run time: POST /fake/exit?code=N on the admin address makes it exit with N.
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const env = process.env;
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const event = (name: string, extra: Record<string, unknown> = {}): void => {
  if (env.FAKE_ENVOY_EVENTS) appendFileSync(env.FAKE_ENVOY_EVENTS, JSON.stringify({ event: name, pid: process.pid, t: Date.now(), ...extra }) + "\n");
};
const log = (level: string, msg: string): void => {
  process.stderr.write(JSON.stringify({ level, logger: "main", thread: "1", src: "fake-envoy.ts:1", msg }) + "\n");
};

if (argv.includes("--version")) {
  process.stdout.write("fake-envoy  version: 0.0.0/fake/test-double\n");
  process.exit(0);
}

const configPath = flag("--config-path");
if (!configPath) {
  log("critical", "no --config-path");
  process.exit(1);
}
type AdminAddr = { socket_address?: { address: string; port_value: number }; pipe?: { path: string } };
const bootstrap = JSON.parse(readFileSync(configPath, "utf8")) as { admin?: { address?: AdminAddr } };
const admin = bootstrap.admin?.address;

const startedAt = Date.now();
const readyAfter = Number(env.FAKE_ENVOY_READY_AFTER_MS ?? "0");
let draining = false;
event("start", { argv });
log("info", "initializing epoch 0 (fake envoy)");
process.stdout.write("a plain stdout line\n");

let crash = false;
if (env.FAKE_ENVOY_CRASH_TIMES && env.FAKE_ENVOY_COUNTER) {
  const n = existsSync(env.FAKE_ENVOY_COUNTER) ? Number(readFileSync(env.FAKE_ENVOY_COUNTER, "utf8")) + 1 : 1;
  writeFileSync(env.FAKE_ENVOY_COUNTER, String(n));
  crash = n <= Number(env.FAKE_ENVOY_CRASH_TIMES);
}
const exitWith = (code: number, why: string): never => {
  event("exit", { code, why });
  log(code === 0 ? "info" : "critical", `exiting: ${why}`);
  process.exit(code);
};
if (crash) {
  setTimeout(() => exitWith(Number(env.FAKE_ENVOY_EXIT_CODE ?? "1"), "told to crash"), Number(env.FAKE_ENVOY_CRASH_AFTER_MS ?? "50"));
}

process.on("SIGTERM", () => {
  event("sigterm");
  if (env.FAKE_ENVOY_IGNORE_SIGTERM === "1") {
    log("warning", "ignoring SIGTERM (told to hang)");
    return;
  }
  exitWith(0, "SIGTERM");
});

const fetchHandler = (req: Request): Response => {
  const url = new URL(req.url);
  if (req.method === "GET" && url.pathname === "/ready") {
    if (draining) return new Response("DRAINING\n", { status: 503 });
    if (Date.now() - startedAt < readyAfter) return new Response("INITIALIZING\n", { status: 503 });
    return new Response("LIVE\n");
  }
  if (req.method === "POST" && url.pathname === "/drain_listeners") {
    draining = true;
    event("drain", { query: url.search });
    return new Response("OK\n");
  }
  if (req.method === "POST" && url.pathname === "/fake/exit") {
    setTimeout(() => exitWith(Number(url.searchParams.get("code") ?? "1"), "told to exit over admin"), 5);
    return new Response("bye\n");
  }
  return new Response("not found\n", { status: 404 });
};

if (admin && env.FAKE_ENVOY_NO_ADMIN !== "1") {
  if (admin.pipe) {
    rmSync(admin.pipe.path, { force: true });
    Bun.serve({ unix: admin.pipe.path, fetch: fetchHandler });
  } else if (admin.socket_address) {
    Bun.serve({ hostname: admin.socket_address.address, port: admin.socket_address.port_value, fetch: fetchHandler });
  }
}
