// GAMMA steering for node-local clients, for real: bpf/mesh.bpf.o loaded through libbpf (bun:ffi)
// by an agent running in a network namespace this test creates (as the appliance runs in the
// node's), attached to a cgroup v2 folder the test creates; a client process in that cgroup and
// namespace (only loopback, so an unsteered Service address is unreachable at once) connects to a
// Service's ClusterIP:port. A client in another namespace (a pod) must be left alone: its loopback
// is not the node's. Root only (CI has it); skips loudly otherwise.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { cgroup2Root, MeshSteering } from "../../src/datapath/mesh/steering.ts";

const root = process.getuid?.() === 0;
const cgroupRoot = cgroup2Root();
const CGROUP = `${cgroupRoot}/edgegate-mesh-test-${process.pid}`;
const SKIPPED_CGROUP = `${CGROUP}-envoy`;
const BPFFS = `/sys/fs/bpf/edgegate-mesh-test-${process.pid}`;
const NETNS = `egmesh-${process.pid}`;
const AGENT = join(import.meta.dir, "bin/mesh-agent.ts");
const objectFile = join(import.meta.dir, "../../bpf/mesh.bpf.o");
const canRun = root && cgroupRoot !== undefined && existsSync(objectFile);
if (!canRun) console.warn("\n!!! mesh steering tests SKIPPED: they need root, a cgroup2 mount and bpf/mesh.bpf.o (make -C bpf) !!!\n");

// In a fresh network namespace: listen on 127.0.0.1 and ::1 (the mesh listener's place), then
// connect to each target and report what the client and the listener saw, one JSON line each.
const CLIENT = `
import json, socket, sys, threading
port = int(sys.argv[1]); seen = {}
def serve(s):
    while True:
        c, peer = s.accept(); seen['local'] = c.getsockname()[:2]; c.close()
# listening before the first connect (no sleep to race against under load)
for fam, addr in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((addr, port)); s.listen(16)
    threading.Thread(target=serve, args=(s,), daemon=True).start()
import time
for target in sys.argv[2:]:
    host, p = target.rsplit(':', 1); fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(fam); s.settimeout(2)
    try:
        s.connect((host.strip('[]'), int(p))); peer = s.getpeername()[:2]; time.sleep(0.05)
        print(json.dumps({'target': target, 'ok': True, 'peer': [peer[0], peer[1]], 'listener': seen.get('local')}))
    except OSError as e:
        print(json.dumps({'target': target, 'ok': False, 'error': e.strerror}))
    s.close(); seen.clear()
`;

interface Seen {
  target: string;
  ok: boolean;
  peer?: [string, number];
  listener?: [string, number];
  error?: string;
}

/** Runs the client in `cgroup`, in the test's network namespace (or, `pod`, in a fresh one of its own). */
function connect(cgroup: string, envoyPort: number, targets: string[], pod = false): Seen[] {
  const into = pod
    ? 'unshare -n sh -c \'ip link set lo up && exec /usr/bin/python3 -c "$0" "$@"\' "$0"'
    : `nsenter --net=/run/netns/${NETNS} /usr/bin/python3 -c "$0"`;
  const r = spawnSync("sh", ["-c", `echo $$ > ${cgroup}/cgroup.procs && exec ${into} "$@"`, CLIENT, String(envoyPort), ...targets], {
    encoding: "utf8",
    timeout: 20_000,
  });
  if (r.status !== 0) throw new Error(`client failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Seen);
}

/** The steering agent, in the test's network namespace. */
function agent<T>(cmd: string, arg?: string): T {
  const r = spawnSync("nsenter", [`--net=/run/netns/${NETNS}`, process.execPath, AGENT, BPFFS, CGROUP, cmd, ...(arg !== undefined ? [arg] : [])], {
    encoding: "utf8",
    timeout: 20_000,
  });
  if (r.status !== 0) throw new Error(`mesh agent ${cmd}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
const apply = (entries: object[]) => agent<{ added: number; updated: number; removed: number; problems: string[] }>("apply", JSON.stringify(entries));

describe.skipIf(!canRun)("mesh steering (cgroup connect4/connect6 + getpeername)", () => {
  beforeAll(() => {
    if (!existsSync("/sys/fs/bpf/.")) mkdirSync("/sys/fs/bpf", { recursive: true });
    if (!readFileSync("/proc/mounts", "utf8").includes(" /sys/fs/bpf bpf ")) spawnSync("mount", ["-t", "bpf", "bpf", "/sys/fs/bpf"]);
    mkdirSync(CGROUP);
    mkdirSync(SKIPPED_CGROUP);
    spawnSync("ip", ["netns", "add", NETNS]);
    spawnSync("ip", ["-n", NETNS, "link", "set", "lo", "up"]);
  });
  afterAll(() => {
    MeshSteering.remove(BPFFS);
    spawnSync("ip", ["netns", "del", NETNS]);
    for (const d of [SKIPPED_CGROUP, CGROUP]) if (existsSync(d)) rmdirSync(d);
    if (existsSync(BPFFS)) rmdirSync(BPFFS);
  });

  test("a connect() to a mesh Service's ClusterIP:port lands on the mesh listener, and the client still sees the Service as its peer", () => {
    expect(
      apply([
        { address: "10.96.0.10", port: 80, envoyPort: 15180 },
        { address: "fd00::10", port: 80, envoyPort: 15180 },
      ]),
    ).toEqual({ added: 2, updated: 0, removed: 0, problems: [] });
    const [v4, v6] = connect(CGROUP, 15180, ["10.96.0.10:80", "[fd00::10]:80"]);
    expect(v4).toEqual({ target: "10.96.0.10:80", ok: true, peer: ["10.96.0.10", 80], listener: ["127.0.0.1", 15180] });
    expect(v6).toEqual({ target: "[fd00::10]:80", ok: true, peer: ["fd00::10", 80], listener: ["::1", 15180] });
  });

  test("a Service without mesh routes, and another port of a mesh Service, are not touched", () => {
    const seen = connect(CGROUP, 15180, ["10.96.0.11:80", "10.96.0.10:443"]);
    expect(seen.map((s) => [s.target, s.ok, s.error])).toEqual([
      ["10.96.0.11:80", false, "Network is unreachable"],
      ["10.96.0.10:443", false, "Network is unreachable"],
    ]);
  });

  test("a client in another network namespace (a pod with its own loopback) is left alone", () => {
    expect(connect(CGROUP, 15180, ["10.96.0.10:80"], true)[0]).toMatchObject({ ok: false, error: "Network is unreachable" });
  });

  test("connections are counted per Service port", () => {
    expect(agent("counters")).toEqual([
      { address: "10.96.0.10", port: 80, envoyPort: 15180, connections: 1 },
      { address: "fd00::10", port: 80, envoyPort: 15180, connections: 1 },
    ]);
  });

  test("processes in Envoy's cgroup are never steered (Envoy must reach the real Service)", () => {
    const inner = join(CGROUP, "envoy");
    mkdirSync(inner);
    try {
      // A child cgroup inherits the programs...
      expect(connect(inner, 15180, ["10.96.0.10:80"])[0]).toMatchObject({ ok: true, peer: ["10.96.0.10", 80] });
      // ...unless it is the one Envoy runs in.
      agent("skip", inner);
      expect(connect(inner, 15180, ["10.96.0.10:80"])[0]).toMatchObject({ ok: false, error: "Network is unreachable" });
    } finally {
      rmdirSync(inner);
    }
  });

  test("a restarted edgegate adopts the pinned links and maps; an Envoy port change keeps the counters", () => {
    expect(
      apply([
        { address: "10.96.0.10", port: 80, envoyPort: 15181 },
        { address: "fd00::10", port: 80, envoyPort: 15180 },
      ]),
    ).toEqual({ added: 0, updated: 1, removed: 0, problems: [] });
    expect(connect(CGROUP, 15181, ["10.96.0.10:80"])[0]).toMatchObject({ ok: true, listener: ["127.0.0.1", 15181] });
    expect(agent<object[]>("counters")[0]).toEqual({ address: "10.96.0.10", port: 80, envoyPort: 15181, connections: 3 });
  });

  test("removing the last route removes the steering", () => {
    expect(apply([])).toEqual({ added: 0, updated: 0, removed: 2, problems: [] });
    expect(connect(CGROUP, 15181, ["10.96.0.10:80"])[0]).toMatchObject({ ok: false, error: "Network is unreachable" });
  });

  test("uninstall: removing the pins detaches the programs", () => {
    apply([{ address: "10.96.0.10", port: 80, envoyPort: 15181 }]);
    expect(agent<string[]>("remove").sort()).toEqual([
      "mesh eg_mesh4",
      "mesh eg_mesh6",
      "mesh eg_mesh_netns",
      "mesh eg_mesh_orig",
      "mesh eg_mesh_skip",
      "mesh link_connect4",
      "mesh link_connect6",
      "mesh link_getpeername4",
      "mesh link_getpeername6",
    ]);
    expect(connect(CGROUP, 15181, ["10.96.0.10:80"])[0]).toMatchObject({ ok: false, error: "Network is unreachable" });
  });
});
