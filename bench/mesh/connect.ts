// Connect overhead of GAMMA steering: a client on the node connecting to a mesh Service's
// ClusterIP:port (rewritten by bpf/mesh.bpf.o's connect4 to Envoy's loopback listener) against the
// same client connecting to that listener directly. Rounds alternate so machine noise hits both.
//   node_modules/.bin/bun bench/mesh/connect.ts [--rounds 5] [--connections 5000]   (root)
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cgroup2Root, MeshSteering } from "../../src/datapath/mesh/steering.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "5" }, connections: { type: "string", default: "5000" } } });
const rounds = Number(values.rounds);
const n = Number(values.connections);
const root = cgroup2Root();
if (process.getuid?.() !== 0 || !root) throw new Error("bench/mesh/connect.ts needs root and a cgroup2 mount");
const cgroup = `${root}/edgegate-mesh-bench-${process.pid}`;
const bpffs = `/sys/fs/bpf/edgegate-mesh-bench-${process.pid}`;
const PORT = 15190;

// One process in the cgroup and a fresh network namespace: a listener thread accepting and closing,
// then N connect()+close() per target, timed per connection.
const CLIENT = `
import json, socket, sys, threading, time
port, n = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); srv.bind(('127.0.0.1', port)); srv.listen(4096)
def serve():
    while True:
        c, _ = srv.accept(); c.close()
threading.Thread(target=serve, daemon=True).start()
out = {}
for name, host, p in (('direct', '127.0.0.1', port), ('steered', '10.96.0.10', 80)):
    lat = []
    t0 = time.perf_counter()
    for _ in range(n):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00')
        a = time.perf_counter(); s.connect((host, p)); lat.append(time.perf_counter() - a); s.close()
    lat.sort()
    out[name] = {'per_s': n / (time.perf_counter() - t0), 'p50_us': lat[len(lat) // 2] * 1e6, 'p99_us': lat[int(len(lat) * 0.99)] * 1e6}
print(json.dumps(out))
`;

mkdirSync(cgroup);
const steering = MeshSteering.open(readFileSync(join(import.meta.dir, "../../bpf/mesh.bpf.o")), { bpffs, cgroup });
try {
  steering.apply([{ address: "10.96.0.10", port: 80, envoyPort: PORT }]);
  const results: Array<Record<"direct" | "steered", { per_s: number; p50_us: number; p99_us: number }>> = [];
  for (let r = 0; r < rounds; r++) {
    const p = spawnSync(
      "sh",
      [
        "-c",
        `echo $$ > ${cgroup}/cgroup.procs && exec unshare -n sh -c 'ip link set lo up && exec /usr/bin/python3 -c "$0" "$@"' "$0" "$@"`,
        CLIENT,
        String(PORT),
        String(n),
      ],
      { encoding: "utf8" },
    );
    if (p.status !== 0) throw new Error(p.stderr);
    results.push(JSON.parse(p.stdout));
  }
  const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const row = (k: "direct" | "steered") => ({
    perS: med(results.map((x) => x[k].per_s)),
    p50: med(results.map((x) => x[k].p50_us)),
    p99: med(results.map((x) => x[k].p99_us)),
  });
  const d = row("direct");
  const s = row("steered");
  console.log(`mesh connect (${rounds} rounds x ${n} connections, medians)`);
  console.log(`  direct to 127.0.0.1:${PORT}        ${d.perS.toFixed(0)} conn/s  p50 ${d.p50.toFixed(1)} µs  p99 ${d.p99.toFixed(1)} µs`);
  console.log(`  steered 10.96.0.10:80 -> :${PORT}  ${s.perS.toFixed(0)} conn/s  p50 ${s.p50.toFixed(1)} µs  p99 ${s.p99.toFixed(1)} µs`);
  console.log(`  steered/direct: ${(s.perS / d.perS).toFixed(3)}x connections/s, +${(s.p50 - d.p50).toFixed(1)} µs p50`);
} finally {
  steering.close();
  MeshSteering.remove(bpffs);
  rmdirSync(bpffs);
  rmdirSync(cgroup);
}
