// The container image recipe and the manifests that run it must agree: user, paths, ports,
// capabilities, image name. The image cannot be built here (no container engine, no registry),
// so this is what can be checked: the two files, read as written.
import { describe, expect, test } from "bun:test";
import { parse } from "yaml";
import { minimumEnvoy } from "../../src/cli/version.ts";
import { defaultConfig, defaultConfigFile } from "../../src/config/types.ts";
import { finalStage, listSetting, objects, parseUnit, read } from "./files.ts";

interface Container {
  image: string;
  args: string[];
  ports: { containerPort: number }[];
  readinessProbe: { httpGet: { port: number } };
  livenessProbe: { httpGet: { port: number } };
  securityContext: {
    runAsNonRoot: boolean;
    runAsUser: number;
    runAsGroup: number;
    readOnlyRootFilesystem: boolean;
    allowPrivilegeEscalation: boolean;
    seccompProfile: { type: string };
    capabilities: { drop: string[]; add?: string[] };
  };
  volumeMounts: { name: string; mountPath: string }[];
}
interface DaemonSet {
  kind: "DaemonSet";
  spec: { template: { spec: { hostNetwork: boolean; shareProcessNamespace: boolean; containers: Container[] } } };
}

const containerfile = read("packaging/container/Containerfile");
const stage = finalStage(containerfile);
const args = (instruction: string): string[] => stage.filter((s) => s.instruction === instruction).map((s) => s.args);
const daemonSet = objects("config/kubernetes/daemonset.yaml").find((o) => o.kind === "DaemonSet") as unknown as DaemonSet;
const byName = (name: string): Container => {
  const c = daemonSet.spec.template.spec.containers.find((x) => (x as Container & { name: string }).name === name);
  if (!c) throw new Error(`daemonset.yaml has no container ${name}`);
  return c;
};
const container = byName("edgegate");
const envoy = byName("envoy");
const values = parse(read("config/kubernetes/values/edgegate.yaml")) as {
  health?: { address?: string };
  xds?: { socket?: string };
  envoy?: { path?: string; launcher?: string };
};
const version = (JSON.parse(read("package.json")) as { version: string }).version;
const envoyVersion = /^ARG ENVOY_VERSION=(\S+)$/m.exec(containerfile)?.[1] ?? "";
const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(":") + 1));

test("Containerfile syntax: known instructions, ARG/FROM first, every COPY --from names an earlier stage", () => {
  const known = new Set([
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
  ]);
  const lines = containerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const instructions = lines.map((l) => l.split(/\s+/)[0] ?? "");
  expect(instructions.filter((i) => !known.has(i))).toEqual([]);
  expect(instructions.slice(0, instructions.indexOf("FROM")).every((i) => i === "ARG")).toBe(true);
  const stages: string[] = [];
  for (const l of lines) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?$/i.exec(l);
    if (l.startsWith("FROM")) expect(from).not.toBeNull();
    if (from?.[1]) stages.push(from[1]);
    const copyFrom = /^COPY\s+--from=(\S+)/.exec(l);
    if (copyFrom?.[1]) expect(stages).toContain(copyFrom[1]);
  }
  // JSON (exec) form where Docker parses it as JSON
  for (const l of lines.filter((x) => /^(ENTRYPOINT|CMD|VOLUME)\s/.test(x))) expect(() => JSON.parse(l.replace(/^\S+\s+/, ""))).not.toThrow();
});

describe("Containerfile and config/kubernetes agree", () => {
  test("the image starts FROM the official Envoy image of the supported release, and the DaemonSet names it by the documented scheme", () => {
    expect(args("FROM")).toEqual(["docker.io/envoyproxy/envoy:v${ENVOY_VERSION}"]);
    // The oldest supported Envoy release line: same major.minor, a patch release at least as new.
    const [maj, min, patch] = envoyVersion.split(".").map(Number);
    const [wMaj, wMin, wPatch] = minimumEnvoy.split(".").map(Number);
    expect(`${maj}.${min}`).toBe(`${wMaj}.${wMin}`);
    expect(patch ?? -1).toBeGreaterThanOrEqual(wPatch ?? 0);
    expect(container.image).toBe(`ghcr.io/edgegate/edgegate:${version}-envoy${envoyVersion}`);
    expect(envoy.image).toBe(container.image);
  });

  test("the same non-root user, in both containers", () => {
    expect(args("USER")).toEqual([`${container.securityContext.runAsUser}:${container.securityContext.runAsGroup}`]);
    expect([envoy.securityContext.runAsUser, envoy.securityContext.runAsGroup, envoy.securityContext.runAsNonRoot]).toEqual([
      container.securityContext.runAsUser,
      container.securityContext.runAsGroup,
      true,
    ]);
    expect(container.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.runAsNonRoot).toBe(true);
    const user = /useradd .*--uid (\d+) --gid (\d+)/.exec(containerfile);
    expect(user?.slice(1, 3).map(Number)).toEqual([container.securityContext.runAsUser, container.securityContext.runAsGroup]);
  });

  test("the capabilities the image's Envoy holds are exactly the ones the envoy container grants; edgegate's has none", () => {
    const setcap = [...containerfile.matchAll(/setcap (\S+)=\+ep (\S+)/g)];
    expect(setcap.map((m) => m[2])).toEqual([values.envoy?.path ?? ""]);
    const fileCaps = (setcap[0]?.[1] ?? "")
      .split(",")
      .map((c) => c.replace(/^cap_/, "").toUpperCase())
      .sort();
    expect(envoy.securityContext.capabilities.drop).toEqual(["ALL"]);
    expect([...(envoy.securityContext.capabilities.add ?? [])].sort()).toEqual(fileCaps);
    // edgegate in its own container: nothing to gain, no way to gain it
    expect(container.securityContext.capabilities).toEqual({ drop: ["ALL"] });
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    // and the same as the default systemd unit grants (CAP_ prefix aside)
    const unitCaps = listSetting(parseUnit(read("config/systemd/edgegate.service")), "Service", "CapabilityBoundingSet");
    expect(unitCaps.map((c) => c.replace(/^CAP_/, ""))).toEqual(fileCaps);
  });

  test("hardening: read-only root, RuntimeDefault seccomp, no setuid binaries in the image", () => {
    for (const c of [container, envoy]) {
      expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(c.securityContext.seccompProfile.type).toBe("RuntimeDefault");
    }
    expect(containerfile).toContain("find / -xdev -perm /6000 -type f -exec chmod a-s {} +");
  });

  test("the same paths: binary, configuration, runtime folder, xDS socket", () => {
    expect(args("ENTRYPOINT")).toEqual(['["/usr/local/bin/edgegate"]']);
    expect(args("COPY")).toContain("--from=parts /edgegate /usr/local/bin/edgegate");
    const volumes = JSON.parse(args("VOLUME")[0] ?? "[]") as string[];
    const mounts = container.volumeMounts.map((m) => m.mountPath);
    for (const v of volumes) expect(mounts).toContain(v);
    const configPath = container.args[container.args.indexOf("--config") + 1] ?? "";
    expect(JSON.parse(args("CMD")[0] ?? "[]")).toEqual(["run", "--config", configPath]);
    expect(volumes.some((v) => configPath.startsWith(v + "/"))).toBe(true);
    const socket = values.xds?.socket ?? defaultConfig("x").xds.socket;
    expect(volumes.some((v) => socket.startsWith(v + "/"))).toBe(true);
  });

  test("Envoy in its own container: the launcher's socket is the one edgegate is configured with, in the shared runtime folder", () => {
    expect(daemonSet.spec.template.spec.shareProcessNamespace).toBe(true);
    expect(envoy.args.slice(0, 3)).toEqual(["launcher", "--socket", (values.envoy?.launcher ?? "").replace(/^unix:\/\//, "")]);
    const run = container.volumeMounts.find((m) => m.name === "run")?.mountPath ?? "";
    expect(envoy.volumeMounts.find((m) => m.name === "run")?.mountPath).toBe(run);
    expect(envoy.args[2]?.startsWith(run + "/")).toBe(true);
  });

  test("the same health port: the configuration's, the DaemonSet's probes, the image's EXPOSE", () => {
    const health = portOf(values.health?.address ?? defaultConfigFile("x").health.address);
    expect(args("EXPOSE")).toEqual([String(health)]);
    expect(container.ports.map((p) => p.containerPort)).toEqual([health]);
    expect(container.readinessProbe.httpGet.port).toBe(health);
    expect(container.livenessProbe.httpGet.port).toBe(health);
  });
});

describe("config/kubernetes/datapath component", () => {
  const component = parse(read("config/kubernetes/datapath/kustomization.yaml")) as { kind: string; patches: { patch: string }[] };
  const ops = component.patches.flatMap((p) => parse(p.patch) as { op: string; path: string; value: unknown }[]);
  const sc = ops.find((o) => o.path === "/spec/template/spec/containers/0/securityContext")?.value as Container["securityContext"];
  const envoySc = ops.find((o) => o.path === "/spec/template/spec/containers/1/securityContext")?.value as Container["securityContext"];

  test("grants the capabilities of the systemd datapath drop-in, and nothing else", () => {
    expect(component.kind).toBe("Component");
    const dropIn = listSetting(parseUnit(read("config/systemd/datapath.conf")), "Service", "CapabilityBoundingSet").map((c) => c.replace(/^CAP_/, ""));
    expect(sc.capabilities.drop).toEqual(["ALL"]);
    expect([...(sc.capabilities.add ?? [])].sort()).toEqual(dropIn);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    // Envoy: the same user, and no capability edgegate lacks (pidfd_getfd without CAP_SYS_PTRACE)
    expect(envoySc.runAsUser).toBe(sc.runAsUser);
    expect((envoySc.capabilities.add ?? []).every((c) => dropIn.includes(c))).toBe(true);
    expect([...(envoySc.capabilities.add ?? [])].sort()).toEqual(["NET_ADMIN", "NET_BIND_SERVICE"]);
    // the patches address the containers by position
    expect(daemonSet.spec.template.spec.containers.map((c) => (c as Container & { name: string }).name)).toEqual(["edgegate", "envoy"]);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.seccompProfile.type).toBe("RuntimeDefault");
  });

  test("mounts the host's bpffs where the configuration pins", () => {
    const mount = ops.find((o) => o.path.endsWith("/volumeMounts/-"))?.value as { mountPath: string };
    expect(defaultConfig("x").datapath.bpffs.startsWith(mount.mountPath + "/")).toBe(true);
  });
});
