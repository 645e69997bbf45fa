// Finds and dlopens the RE2 shim (native/re2/re2shim.cc, linked against Debian's libre2.so.9).
// From the compiled binary the shim is an embedded file under /$bunfs, which the dynamic loader
// cannot open (as with the BPF objects): its bytes go to a memfd, and /proc/self/fd/N is dlopened.
// From a source checkout it is native/re2/libedgegate-re2.so, built on first use if missing.
// Never throws: the caller gets the symbols or the reason they are not there.
import { dlopen } from "bun:ffi";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const re2Symbols = {
  edgegate_re2_check: { args: ["ptr", "u64", "ptr", "u64"], returns: "i32" },
  edgegate_re2_check_rewrite: { args: ["ptr", "u64", "ptr", "u64", "ptr", "u64"], returns: "i32" },
  edgegate_re2_partial_match: { args: ["ptr", "u64", "ptr", "u64"], returns: "i32" },
} as const;

export type Re2Symbols = ReturnType<typeof dlopen<typeof re2Symbols>>["symbols"];

const HINT = "install Debian package libre2-9 (and libre2-dev to build from source)";
const compiled = import.meta.path.startsWith("/$bunfs/") || import.meta.path.startsWith("B:/~BUN/");
const sourceShim = join(import.meta.dir, "../../native/re2/libedgegate-re2.so");

function fromSource(): string {
  if (existsSync(sourceShim)) return sourceShim;
  const r = spawnSync("make", ["-s", "-C", join(import.meta.dir, "../../native/re2")], { encoding: "utf8" });
  if (r.status !== 0 || !existsSync(sourceShim))
    throw new Error(`native/re2 is not built and \`make -C native/re2\` failed: ${(r.stderr || r.error?.message || "").trim().slice(0, 300)}`);
  return sourceShim;
}

const libc = (): { memfd_create: (name: Buffer, flags: number) => number } =>
  dlopen("libc.so.6", { memfd_create: { args: ["ptr", "u32"], returns: "i32" } }).symbols;
const MFD_CLOEXEC = 1;

/** Opens the embedded shim through a memfd, else through a private temporary file. */
function openEmbedded(): Re2Symbols {
  // A literal require so the bundler embeds the file; evaluated only in the compiled binary.
  const embedded = (require("./embedded.ts") as { default: string }).default;
  const bytes = readFileSync(embedded);
  const fd = libc().memfd_create(Buffer.from("edgegate-re2\0"), MFD_CLOEXEC);
  if (fd >= 0) {
    try {
      writeSync(fd, bytes);
      return dlopen(`/proc/self/fd/${fd}`, re2Symbols).symbols;
    } finally {
      // The mapping outlives the descriptor.
      closeSync(fd);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "edgegate-re2-"));
  try {
    const file = join(dir, "libedgegate-re2.so");
    writeFileSync(file, bytes, { mode: 0o500 });
    return dlopen(file, re2Symbols).symbols;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The shim's symbols, or a sentence saying why RE2 cannot be used on this machine. */
export function loadRe2(): Re2Symbols | { unavailable: string } {
  try {
    // EDGEGATE_RE2_SHIM points at another build of the shim (packagers; tests of the failure path).
    const override = process.env.EDGEGATE_RE2_SHIM;
    if (override) return dlopen(override, re2Symbols).symbols;
    return compiled ? openEmbedded() : dlopen(fromSource(), re2Symbols).symbols;
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0]!.slice(0, 300);
    return { unavailable: `RE2 cannot be loaded (${msg}); ${HINT}` };
  }
}
