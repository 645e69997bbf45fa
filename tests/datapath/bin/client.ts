// Connects as asked and reports what happened, as one JSON array on stdout.
// usage: bun client.ts '[{"host":"10.0.0.1","port":80,"src":"10.0.0.3","timeoutMs":500}]'
// With --hold: one connection that stays open; each stdin line is sent and the echo printed.
import { connect, type Socket } from "node:net";

interface Attempt {
  host: string;
  port: number;
  src?: string;
  timeoutMs?: number;
}
interface Result {
  ok: boolean;
  error?: string;
  server?: unknown;
  ms: number;
}

function once(a: Attempt, hold: boolean): Promise<{ r: Result; s?: Socket }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = connect({ host: a.host, port: a.port, ...(a.src ? { localAddress: a.src } : {}) });
    let buf = "";
    let done = false;
    const finish = (r: Omit<Result, "ms">, keep = false): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!keep) s.destroy();
      resolve({ r: { ...r, ms: Math.round(performance.now() - t0) }, ...(keep ? { s } : {}) });
    };
    const timer = setTimeout(() => finish({ ok: false, error: "TIMEOUT" }), a.timeoutMs ?? 1000);
    s.on("data", (d) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0 && !done) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let server: unknown = line;
        try {
          server = JSON.parse(line);
        } catch {
          // a plain server
        }
        finish({ ok: true, server }, hold);
      }
    });
    s.on("error", (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
    s.on("close", () => finish({ ok: false, error: "CLOSED" }));
  });
}

const args = process.argv.slice(2);
if (args[0] === "--hold") {
  const a = JSON.parse(args[1] ?? "{}") as Attempt;
  const { r, s } = await once(a, true);
  console.log(JSON.stringify(r));
  if (!s) process.exit(1);
  s.on("data", (d) => process.stdout.write(`echo ${d.toString()}`));
  s.on("close", () => {
    console.log("closed");
    process.exit(0);
  });
  s.on("error", () => {});
  for await (const line of console) s.write(line + "\n");
} else {
  const attempts = JSON.parse(args[0] ?? "[]") as Attempt[];
  const out: Result[] = [];
  for (const a of attempts) out.push((await once(a, false)).r);
  console.log(JSON.stringify(out));
}
