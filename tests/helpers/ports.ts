// A TCP port on 127.0.0.1 that was free a moment ago, for servers a test or benchmark starts in
// another process (which must be told the port in advance).
export async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}
