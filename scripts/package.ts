// `npm run package`: the release artefacts, for amd64 and arm64.
//   dist/edgegate-linux-x64, dist/edgegate-linux-arm64   (bun build --compile, BPF objects embedded)
//   dist/edgegate_<version>_amd64.deb, dist/edgegate_<version>_arm64.deb   (dpkg-deb)
// Flags: --arch amd64|arm64 (repeatable; default both), --no-build (package the binaries already in
// dist/), --lintian (run lintian on each package; errors and warnings fail the build), --fast
// (gzip -1 instead of xz: the same files, for tests that install the package and throw it away),
// --no-deb (the binaries only).
//
// Cross-compiling needs the target's Bun runtime. It is the npm package @oven/bun-linux-aarch64 of
// the same Bun version, fetched here with `npm pack` (so npm's registry, proxy and cache settings
// apply) and handed to the build as --executable-path. The binary also embeds the RE2 shim
// (native/re2), native code: for arm64 it is compiled with Debian's cross compiler
// (g++-aarch64-linux-gnu) against Debian's arm64 libre2-9, which `apt-get download` fetches with
// package lists of its own under build/ (the machine's apt state is not touched). Those arm64
// libraries, with the cross libc, form build/arm64-sysroot, in which the tests run the arm64
// binary under qemu.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, symlinkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";

const root = join(import.meta.dir, "..");
const dist = join(root, "dist");

/** Debian architecture -> what Bun and npm call it. */
const arches = {
  amd64: { bunTarget: "bun-linux-x64", binary: "edgegate-linux-x64", npmRuntime: "@oven/bun-linux-x64" },
  arm64: { bunTarget: "bun-linux-arm64", binary: "edgegate-linux-arm64", npmRuntime: "@oven/bun-linux-aarch64" },
} as const;
type DebArch = keyof typeof arches;

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`package: ${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
  return r.stdout;
}

/** The target's Bun runtime from npm, unpacked under build/bun-runtime/. */
function bunRuntime(arch: DebArch): string {
  const pkg = `${arches[arch].npmRuntime}@${Bun.version}`;
  const dir = join(root, "build/bun-runtime", `${arch}-${Bun.version}`);
  const exe = join(dir, "package/bin/bun");
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const tgz = run("npm", ["pack", pkg, "--pack-destination", dir, "--silent", "--loglevel=error"]).trim().split("\n").pop() ?? "";
  if (!tgz) throw new Error(`package: npm pack ${pkg} printed no file name`);
  run("tar", ["-xzf", join(dir, tgz), "-C", dir, "package/bin/bun"]);
  return exe;
}

/** build/arm64-sysroot/lib: the cross libc plus Debian's arm64 libre2, libstdc++ and libgcc_s. */
export const arm64Sysroot = join(root, "build/arm64-sysroot");
const crossLibc = "/usr/aarch64-linux-gnu/lib"; // libc6-arm64-cross

function arm64Libraries(): string {
  const lib = join(arm64Sysroot, "lib");
  if (existsSync(join(lib, "libre2.so.9"))) return lib;
  if (!existsSync(crossLibc)) throw new Error(`package: ${crossLibc} is missing (apt install libc6-arm64-cross)`);
  const apt = join(root, "build/apt-arm64");
  rmSync(apt, { recursive: true, force: true });
  for (const d of ["lists/partial", "cache/archives/partial", "debs", "root"]) mkdirSync(join(apt, d), { recursive: true });
  const o = [
    "-qq",
    "-o",
    `Dir::State::Lists=${apt}/lists`,
    "-o",
    `Dir::Cache=${apt}/cache`,
    "-o",
    "APT::Architectures::=arm64",
    "-o",
    "APT::Architecture=arm64",
    "-o",
    "APT::Sandbox::User=root",
  ];
  run("apt-get", [...o, "update"]);
  run("apt-get", [...o, "download", "libre2-9:arm64", "libstdc++6:arm64", "libgcc-s1:arm64"], { cwd: join(apt, "debs") });
  // The shim is compiled with the host's RE2 headers: they must be the same RE2 release.
  const debs = readdirSync(join(apt, "debs"));
  const re2Deb = debs.find((d) => d.startsWith("libre2-9_")) ?? "";
  const hostRe2 = run("dpkg-query", ["-W", "-f", "${Version}", "libre2-dev"]).trim();
  if (!re2Deb.startsWith(`libre2-9_${hostRe2.replaceAll(":", "%3a")}_`)) throw new Error(`package: arm64 ${re2Deb} is not the host's libre2-dev ${hostRe2}`);
  for (const d of debs) run("dpkg-deb", ["-x", join(apt, "debs", d), join(apt, "root")]);
  rmSync(lib, { recursive: true, force: true });
  mkdirSync(lib, { recursive: true });
  for (const dir of [crossLibc, join(apt, "root/usr/lib/aarch64-linux-gnu"), join(apt, "root/lib/aarch64-linux-gnu")]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (!existsSync(join(lib, f))) symlinkSync(join(dir, f), join(lib, f));
  }
  return lib;
}

/** native/re2/re2shim.cc compiled for arm64. */
function re2ShimArm64(): string {
  const lib = arm64Libraries();
  const dir = join(root, "build/re2-arm64");
  const out = join(dir, "libedgegate-re2.so");
  // Only RE2's own headers: -I/usr/include would put the host's libc headers before the cross ones.
  cpSync("/usr/include/re2", join(dir, "include/re2"), { recursive: true });
  const cxx = "aarch64-linux-gnu-g++";
  run(cxx, [
    "-O2",
    "-Wall",
    "-Wextra",
    "-std=c++17",
    "-fPIC",
    "-shared",
    "-I",
    join(dir, "include"),
    "-o",
    out,
    "native/re2/re2shim.cc",
    "-L",
    lib,
    "-l:libre2.so.9",
  ]);
  return out;
}

function buildBinary(arch: DebArch): string {
  const a = arches[arch];
  const out = join(dist, a.binary);
  const args = ["scripts/build.ts", "--target", a.bunTarget, "--outfile", relative(root, out)];
  // The host's own runtime is the one running this script; only a foreign one needs fetching.
  if (a.npmRuntime !== `@oven/bun-linux-${process.arch === "arm64" ? "aarch64" : process.arch}`) {
    args.push("--executable-path", bunRuntime(arch));
  }
  if (arch === "arm64" && process.arch !== "arm64") args.push("--re2-shim", re2ShimArm64());
  run(process.execPath, args);
  return out;
}

/** The newest GLIBC_x.y symbol version the binary needs: its libc6 dependency. */
function libcDepends(binary: string): string {
  const versions = [...run("readelf", ["--version-info", "--wide", binary]).matchAll(/GLIBC_(\d+)\.(\d+)/g)]
    .map((m) => [Number(m[1]), Number(m[2])] as const)
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const newest = versions.at(-1);
  if (!newest) throw new Error(`package: ${binary} needs no GLIBC symbol version — not a glibc binary?`);
  return `libc6 (>= ${newest[0]}.${newest[1]})`;
}

/** The first release in CHANGELOG.md, for the Debian changelog lintian requires. */
function releaseFromChangelog(version: string): { date: Date; notes: string[] } {
  const text = readFileSync(join(root, "CHANGELOG.md"), "utf8");
  const head = new RegExp(`^## \\[?${version.replaceAll(".", "\\.")}\\]? - (\\d{4}-\\d{2}-\\d{2})$`, "m").exec(text);
  if (!head?.[1]) throw new Error(`package: CHANGELOG.md has no "## ${version} - YYYY-MM-DD" section (add one for this release)`);
  const body = text.slice(head.index + head[0].length).split(/^## /m)[0] ?? "";
  const notes = body
    .split("\n")
    .filter((l) => l.startsWith("- "))
    .map((l) => l.slice(2));
  return { date: new Date(`${head[1]}T00:00:00Z`), notes };
}

function debianChangelog(version: string, maintainer: string): string {
  const { date, notes } = releaseFromChangelog(version);
  const wrap = (s: string): string[] => {
    const lines: string[] = [];
    let line = "";
    for (const word of s.split(/\s+/)) {
      if (line && line.length + word.length + 1 > 72) lines.push(line), (line = word);
      else line = line ? `${line} ${word}` : word;
    }
    return line ? [...lines, line] : lines;
  };
  const items = notes.flatMap((n) => wrap(n).map((l, i) => (i === 0 ? `  * ${l}` : `    ${l}`)));
  // RFC 5322 date as Debian changelogs want it.
  const rfc = date.toUTCString().replace("GMT", "+0000");
  return `edgegate (${version}) unstable; urgency=medium\n\n${items.join("\n")}\n\n -- ${maintainer}  ${rfc}\n`;
}

function put(stage: string, path: string, content: string | Buffer, mode = 0o644): void {
  const target = join(stage, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  chmodSync(target, mode);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

function buildDeb(arch: DebArch, binary: string, version: string, fast: boolean): string {
  const stage = join(root, "build/deb", `edgegate_${version}_${arch}`);
  rmSync(stage, { recursive: true, force: true });
  const pkg = (f: string): Buffer => readFileSync(join(root, "packaging/debian", f));
  const gz = (b: Buffer | string): Buffer => gzipSync(b, { level: 9 }); // no name or mtime: reproducible

  put(stage, "usr/bin/edgegate", readFileSync(binary), 0o755);
  for (const unit of ["edgegate.service", "edgegate-kubeconfig.service"]) {
    put(stage, `lib/systemd/system/${unit}`, readFileSync(join(root, "config/systemd", unit)));
  }
  put(stage, "etc/edgegate/edgegate.yaml", pkg("edgegate.yaml"));
  put(stage, "etc/edgegate/inputs/README", pkg("inputs-README"));
  const doc = "usr/share/doc/edgegate";
  const control = pkg("control.in").toString();
  const maintainer = /^Maintainer: (.+)$/m.exec(control)?.[1] ?? "";
  put(stage, `${doc}/copyright`, pkg("copyright"));
  put(stage, `${doc}/changelog.gz`, gz(debianChangelog(version, maintainer)));
  put(stage, `${doc}/README.Debian`, pkg("README.Debian"));
  put(stage, `${doc}/examples/edgegate.yaml`, readFileSync(join(root, "config/edgegate.yaml")));
  put(stage, `${doc}/examples/datapath.conf`, readFileSync(join(root, "config/systemd/datapath.conf")));
  put(stage, "usr/share/man/man1/edgegate.1.gz", gz(pkg("edgegate.1").toString().replaceAll("@VERSION@", version)));
  put(stage, "usr/share/lintian/overrides/edgegate", pkg("lintian-overrides"));

  const files = walk(stage);
  const installedKiB = files.reduce((sum, f) => sum + Math.ceil(statSync(f).size / 1024), 0);
  const md5sums = files
    .map((f) => `${createHash("md5").update(readFileSync(f)).digest("hex")}  ${relative(stage, f)}`)
    .sort()
    .join("\n");
  put(stage, "DEBIAN/md5sums", md5sums + "\n");
  put(
    stage,
    "DEBIAN/control",
    control
      .replaceAll("@VERSION@", version)
      .replaceAll("@ARCH@", arch)
      .replaceAll("@INSTALLED_SIZE@", String(installedKiB))
      .replaceAll("@LIBC_DEPENDS@", libcDepends(binary)),
  );
  put(stage, "DEBIAN/conffiles", pkg("conffiles"));
  for (const script of ["postinst", "prerm", "postrm"]) put(stage, `DEBIAN/${script}`, pkg(script), 0o755);
  // Folders 0755 whatever the umask of the machine that builds.
  spawnSync("find", [stage, "-type", "d", "-exec", "chmod", "0755", "{}", "+"]);

  const deb = join(dist, `edgegate_${version}_${arch}.deb`);
  run("dpkg-deb", ["--root-owner-group", ...(fast ? ["-Zgzip", "-z1"] : ["-Zxz"]), "--build", stage, deb]);
  return deb;
}

function lintian(deb: string): void {
  // --fail-on error,warning: the package must be clean of both; overrides are in packaging/debian.
  const r = spawnSync("lintian", ["--fail-on", "error,warning", deb], { encoding: "utf8" });
  process.stderr.write(r.stdout + r.stderr);
  if (r.status !== 0) throw new Error(`package: lintian ${relative(root, deb)} found errors or warnings`);
  console.error(`package: lintian ${relative(root, deb)}: clean`);
}

const { values } = parseArgs({
  options: {
    arch: { type: "string", multiple: true },
    "no-build": { type: "boolean", default: false },
    lintian: { type: "boolean", default: false },
    fast: { type: "boolean", default: false },
    "no-deb": { type: "boolean", default: false },
  },
});
const wanted = (values.arch ?? ["amd64", "arm64"]).map((a) => {
  if (!(a in arches)) throw new Error(`package: --arch ${a}: expected amd64 or arm64`);
  return a as DebArch;
});
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version as string;
mkdirSync(dist, { recursive: true });
for (const arch of wanted) {
  const binary = values["no-build"] ? join(dist, arches[arch].binary) : buildBinary(arch);
  if (!existsSync(binary)) throw new Error(`package: ${relative(root, binary)} is missing (build it, or drop --no-build)`);
  const mib = (f: string): string => (statSync(f).size / 1048576).toFixed(1);
  if (values["no-deb"]) {
    console.error(`package: ${relative(root, binary)} ${mib(binary)} MiB`);
    continue;
  }
  const deb = buildDeb(arch, binary, version, values.fast ?? false);
  console.error(`package: ${relative(root, binary)} ${mib(binary)} MiB, ${relative(root, deb)} ${mib(deb)} MiB`);
  if (values.lintian) lintian(deb);
}
