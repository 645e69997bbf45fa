// The running appliance keeps translation's work between changes (src/translate/world.ts,
// src/gateway/memo.ts); `render` translates from scratch. Through the compiled binary, after each
// live edit (a route to a missing Service, the Service created, its endpoints changed, a
// half-written file, the Service removed) and after a kill -9 and restart, what the node serves
// (`edgegate dump`) must equal `edgegate render` of the same files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "../../bench/generate.ts";
import { freePort } from "../helpers/ports.ts";

const root = join(import.meta.dir, "../..");
const bin = join(root, "dist/edgegate");

type Named = { name?: string };
type Config = Record<"listeners" | "routes" | "clusters" | "endpoints", Named[]>;

let dir: string;
let inputs: string;
let admin: string;
let health: string;
let app: ReturnType<typeof Bun.spawn> | undefined;

function cli(args: string[]): string {
  const r = Bun.spawnSync([bin, ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0 && args[0] !== "render") throw new Error(`edgegate ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const sorted = (c: Config): string =>
  JSON.stringify((["listeners", "routes", "clusters", "endpoints"] as const).map((t) => [...c[t]].sort((a, b) => ((a.name ?? "") < (b.name ?? "") ? -1 : 1))));

async function start(): Promise<void> {
  app = Bun.spawn(
    [bin, "run", "--node-name", "live-render", "--health-address", health, "--admin-address", admin, "--xds-socket", join(dir, "xds.sock")].concat([
      "--xds-address",
      "",
      "--envoy",
      "/nonexistent/envoy",
      "--datapath",
      "off",
      inputs,
    ]),
    { stdout: "ignore", stderr: "ignore" },
  );
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`http://${health}/readyz`).catch(() => undefined))?.ok) return;
    await Bun.sleep(50);
  }
  throw new Error("edgegate did not become ready");
}

/** What the node serves, once it equals a fresh render (or the last try's, for the failure message). */
async function servedMatchesRender(): Promise<{ served: string; rendered: string }> {
  const rendered = sorted(JSON.parse(cli(["render", inputs])) as Config);
  let served = "";
  for (let i = 0; i < 60 && served !== rendered; i++) {
    await Bun.sleep(100);
    served = sorted(JSON.parse(cli(["dump", "--admin", admin])) as Config);
  }
  return { served, rendered };
}

const service = (ip: string): string =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: svc-live, namespace: default, annotations: {edgegate.io/endpoints: "${ip}"}}\nspec: {ports: [{port: 8080}]}\n`;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh (it builds the binary) before the tests`);
  dir = mkdtempSync(join(tmpdir(), "edgegate-live-render-"));
  inputs = join(dir, "in");
  mkdirSync(inputs);
  admin = `127.0.0.1:${await freePort()}`;
  health = `127.0.0.1:${await freePort()}`;
  const port = await freePort();
  writeFileSync(join(inputs, "others.yaml"), generate({ routes: 300, hostnames: 30, services: 40 }).replace(/port: 80\n/, `port: ${port}\n`));
  writeFileSync(
    join(inputs, "live.yaml"),
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: live, namespace: default}\nspec:\n  parentRefs: [{name: bench}]\n  hostnames: [host-7.example.com]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: /live}}]\n    backendRefs: [{name: svc-live, port: 8080}]\n",
  );
  await start();
}, 30_000);

afterAll(() => {
  app?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("the running node serves what render computes", () => {
  test("after live edits of routes, Services, endpoints and a broken file, and after kill -9 and restart", async () => {
    const steps: Array<[string, () => void]> = [
      ["a route to a missing Service", () => {}],
      ["the Service created", () => writeFileSync(join(inputs, "svc.yaml"), service("192.0.2.50"))],
      ["its endpoints changed", () => writeFileSync(join(inputs, "svc.yaml"), service("192.0.2.51"))],
      [
        "another route added",
        () => writeFileSync(join(inputs, "more.yaml"), generate({ routes: 1, hostnames: 1, services: 1 }).split("---\n").at(-1)!.replace("route-0", "more")),
      ],
      ["the Service removed", () => rmSync(join(inputs, "svc.yaml"))],
      ["the Service back", () => writeFileSync(join(inputs, "svc.yaml"), service("192.0.2.52"))],
    ];
    for (const [what, edit] of steps) {
      edit();
      const { served, rendered } = await servedMatchesRender();
      expect({ what, same: served === rendered }).toEqual({ what, same: true });
    }
    // A half-written edit: the last good configuration stays served (render reports the problem).
    const before = sorted(JSON.parse(cli(["dump", "--admin", admin])) as Config);
    writeFileSync(join(inputs, "svc.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: svc-live\n  spec: [");
    await Bun.sleep(600);
    expect(sorted(JSON.parse(cli(["dump", "--admin", admin])) as Config)).toBe(before);
    writeFileSync(join(inputs, "svc.yaml"), service("192.0.2.53"));
    const fixed = await servedMatchesRender();
    expect(fixed.served).toBe(fixed.rendered);
    // Killed in the middle of nothing in particular and started again: the same configuration.
    app?.kill("SIGKILL");
    await app?.exited;
    await start();
    const restarted = await servedMatchesRender();
    expect(restarted.served).toBe(restarted.rendered);
    expect(restarted.served).toBe(fixed.served);
  }, 60_000);
});
