// The byte layouts the TypeScript side writes must be the ones clang lays out for the BPF programs
// (bpf/edgegate.h) and the ones libbpf expects (struct bpf_tc_hook / bpf_tc_opts).
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LABEL_LEN, LAYOUT, PROTO, RANGE_PREFIX_BASE, SLOT } from "../../src/datapath/layout.ts";
import { BPF_TC_F_REPLACE, BPF_TC_INGRESS, MAP_INFO, TC_HOOK, TC_OPTS } from "../../src/datapath/libbpf/structs.ts";

const root = join(import.meta.dir, "../..");
const clang = Bun.which("clang");

describe.skipIf(!clang)("struct layouts (clang vs TypeScript)", () => {
  test("every shared struct matches", () => {
    const dir = mkdtempSync(join(tmpdir(), "eg-layout-"));
    try {
      const bin = join(dir, "layout");
      const arch = `/usr/include/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`;
      const cc = spawnSync(clang!, ["-O0", "-Wall", `-I${arch}`, `-I${join(root, "bpf")}`, join(root, "bpf/layout.c"), "-o", bin], { encoding: "utf8" });
      expect(cc.stderr).toBe("");
      expect(cc.status).toBe(0);
      const got = JSON.parse(spawnSync(bin, { encoding: "utf8" }).stdout) as Record<string, Record<string, number>>;
      for (const [name, fields] of Object.entries(LAYOUT)) expect({ name, ...got[name] }).toEqual({ name, ...fields });
      const { size: hs, ...hook } = TC_HOOK;
      expect(got["bpf_tc_hook"]).toEqual({ size: hs, ...hook });
      // MAP_INFO.size is how much the loader asks the kernel for, not the whole struct
      const { size: _mis, ...mapInfo } = MAP_INFO;
      const { size: _gms, ...gotMapInfo } = got["bpf_map_info"] ?? {};
      expect(gotMapInfo).toEqual(mapInfo);
      const { size: os, ...opts } = TC_OPTS;
      expect(got["bpf_tc_opts"]).toEqual({ size: os, ...opts });
      expect(got["consts"]).toEqual({
        EG_SLOT_FIRST_DYNAMIC: SLOT.firstDynamic,
        EG_MAX_SLOTS: SLOT.max,
        EG_LABEL_LEN: LABEL_LEN,
        EG_RANGE_PREFIX_BASE: RANGE_PREFIX_BASE,
        EG_PROTO_TCP: PROTO.TCP,
        EG_PROTO_UDP: PROTO.UDP,
        BPF_TC_INGRESS,
        BPF_TC_F_REPLACE,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

if (!clang) console.warn("SKIPPED tests/datapath/layout.test.ts: clang not found (run scripts/setup.sh)");
