#!/usr/bin/env bash
# Installs everything edgegate needs on Debian 12 and builds dist/edgegate. Idempotent: a second
# run only does what is missing. Needs root for the Debian packages (CI and the appliance have it).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Debian packages: libbpf1 for the datapath loader (bun:ffi), clang/llvm to compile bpf/,
# iproute2 + nftables for the network-namespace tests and the TPROXY comparison benchmark,
# python3-grpcio as a second, independent real xDS client in the tests.
apt_pkgs=(libbpf1 libbpf-dev clang llvm iproute2 nftables python3-grpcio ca-certificates openssl)
apt_pkgs+=(chromium)  # headless browser for tests/dashboard (the admin dashboard, drawn and live)
apt_pkgs+=(libre2-9 libre2-dev g++)  # validation compiles regexes with RE2, as Envoy does (native/re2 shim)
apt_pkgs+=(lintian qemu-user-static libc6-arm64-cross g++-aarch64-linux-gnu)  # npm run package / tests/packaging: lintian on the .deb; the arm64 RE2 shim cross-compiled, the arm64 binary run under qemu
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/bun ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm install (Bun, protobuf-es, connect, hono, yaml, buf; versions pinned in package.json)"
  # Not `npm ci`: npm 10/11 drops other platforms' optional packages (buf, bun) from the lock file
  # and then refuses it. Every version is exact in package.json, so install is just as repeatable.
  npm install --no-audit --no-fund --loglevel=error
fi
export PATH="$PWD/node_modules/.bin:$PATH"

# Regenerate when the generator or anything in proto/ (edgegate's .proto files, the buf configuration)
# is newer than the last run; `find -newer` also sees files added to proto/.
if [ ! -f src/gen/.stamp ] || [ -n "$(find scripts/gen-proto.ts proto -newer src/gen/.stamp -print -quit)" ]; then
  step "generating Envoy xDS types and edgegate's API (proto/; buf + protoc-gen-es)"
  bun scripts/gen-proto.ts
  touch src/gen/.stamp
fi

step "building dist/edgegate"
bun scripts/build.ts
