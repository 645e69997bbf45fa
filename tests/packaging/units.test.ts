// The systemd units and the datapath drop-in: least privilege as README "Capabilities" states it,
// and the restart semantics that keep Envoy serving while edgegate restarts.
import { describe, expect, test } from "bun:test";
import { listSetting, parseUnit, read, setting } from "./files.ts";

const units = ["edgegate.service", "edgegate-kubeconfig.service"];

describe.each(units)("config/systemd/%s", (name) => {
  const unit = parseUnit(read(`config/systemd/${name}`));
  const s = (key: string): string | undefined => setting(unit, "Service", key);

  test("runs the packaged binary on the packaged configuration", () => {
    expect(s("ExecStart")).toBe("/usr/bin/edgegate run --config /etc/edgegate/edgegate.yaml");
    expect(read("packaging/debian/conffiles").split("\n")).toContain("/etc/edgegate/edgegate.yaml");
  });

  test("a dedicated user with CAP_NET_BIND_SERVICE only, for edgegate and the Envoy it starts", () => {
    expect(s("User")).toBe("edgegate");
    expect(s("Group")).toBe("edgegate");
    expect(listSetting(unit, "Service", "CapabilityBoundingSet")).toEqual(["CAP_NET_BIND_SERVICE"]);
    // Ambient, so that Envoy (a child, not setuid) has it too.
    expect(listSetting(unit, "Service", "AmbientCapabilities")).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(s("NoNewPrivileges")).toBe("yes");
  });

  test("the usual hardening", () => {
    const expected: Record<string, string> = {
      ProtectSystem: "strict",
      ProtectHome: "yes",
      PrivateTmp: "yes",
      PrivateDevices: "yes",
      ProtectKernelTunables: "yes",
      ProtectKernelModules: "yes",
      ProtectControlGroups: "yes",
      RestrictNamespaces: "yes",
      RestrictSUIDSGID: "yes",
      LockPersonality: "yes",
      SystemCallArchitectures: "native",
      SystemCallFilter: "@system-service",
      UMask: "0077",
    };
    for (const [key, value] of Object.entries(expected)) expect(`${key}=${s(key)}`).toBe(`${key}=${value}`);
    // systemd makes these; nothing is created by hand.
    expect(s("RuntimeDirectory")).toBe("edgegate");
    expect(s("StateDirectory")).toBe("edgegate");
  });

  test("a crash or restart of edgegate leaves Envoy running for the next edgegate to adopt", () => {
    // process: only the main process is signalled; control-group/mixed would SIGKILL Envoy too.
    expect(s("KillMode")).toBe("process");
    expect(s("Restart")).toBe("always");
    // /run/edgegate holds the xDS socket, bootstrap and pid file the adopted Envoy still uses.
    expect(s("RuntimeDirectoryPreserve")).toBe("restart");
  });
});

test("the two units exclude each other", () => {
  expect(setting(parseUnit(read("config/systemd/edgegate.service")), "Unit", "Conflicts")).toBe("edgegate-kubeconfig.service");
  expect(setting(parseUnit(read("config/systemd/edgegate-kubeconfig.service")), "Unit", "Conflicts")).toBe("edgegate.service");
});

describe("config/systemd/datapath.conf", () => {
  const dropIn = parseUnit(read("config/systemd/datapath.conf"));

  test("grants the datapath's capabilities and nothing broader (no CAP_SYS_ADMIN, no CAP_SYS_PTRACE)", () => {
    const caps = ["CAP_BPF", "CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_PERFMON"];
    expect(listSetting(dropIn, "Service", "CapabilityBoundingSet")).toEqual(caps);
    expect(listSetting(dropIn, "Service", "AmbientCapabilities")).toEqual(caps);
    // bpffs is mounted (when missing) by a privileged ExecStartPre, outside the sandbox.
    expect(setting(dropIn, "Service", "ExecStartPre")).toStartWith("+");
    expect(setting(dropIn, "Service", "ReadWritePaths")).toBe("/sys/fs/bpf");
    const syscalls = listSetting(dropIn, "Service", "SystemCallFilter");
    for (const call of ["bpf", "pidfd_getfd", "pidfd_open"]) expect(syscalls).toContain(call);
  });

  test("README lists every capability the units grant, with the feature that needs it", () => {
    const readme = read("README.md");
    const section = readme.slice(readme.indexOf("### Capabilities"));
    expect(section.length).toBeGreaterThan(0);
    for (const cap of ["CAP_NET_BIND_SERVICE", "CAP_BPF", "CAP_PERFMON", "CAP_NET_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_ADMIN"]) {
      expect(section).toContain(cap);
    }
  });
});
