#!/usr/bin/env bash
# The whole test suite: sets up (idempotent), builds the binary, runs every test file, and ends with
# one summary line `N passed, N failed, N skipped` that CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export PATH="$PWD/node_modules/.bin:$PATH"
# The Kubernetes-mode tests run against a real API server built from Debian's sources (test-only,
# so not part of setup.sh; ~4 min the first time on a machine, seconds after). Its build output goes
# to a log (shown if it fails); a line every 30 s says it is still going.
kube_tools=${KUBE_TOOLS:-/var/cache/edgegate-kube}
kube_log=$(mktemp)
echo "==> Kubernetes API server for tests/kube (about 4 min the first time; log: $kube_log)" >&2
bash scripts/setup-kube.sh >"$kube_log" 2>&1 &
kube_pid=$!
started=$SECONDS
while kill -0 "$kube_pid" 2>/dev/null; do
  sleep 1
  elapsed=$((SECONDS - started))
  if [ "$elapsed" -gt 0 ] && [ $((elapsed % 30)) -eq 0 ]; then
    last=$(grep -v '^[[:space:]]*$' "$kube_log" | tail -n 1 | cut -c1-100)
    echo "    still building the test Kubernetes API server ($((elapsed / 60)) min $((elapsed % 60)) s)${last:+: $last}" >&2
  fi
done
wait "$kube_pid"
kube_status=$?
# The banner follows what tests/kube itself checks (tests/kube/apiserver.ts): the two binaries.
if [ -x "$kube_tools/bin/minikas" ] && [ -x "$kube_tools/bin/etcd" ]; then
  [ "$kube_status" -eq 0 ] || echo "    (setup-kube exited $kube_status, but minikas and etcd are built: tests/kube runs)" >&2
  echo "    test API server ready: $kube_tools/bin" >&2
  rm -f "$kube_log"
else
  # The suite still runs; tests/kube says loudly that it skipped and why.
  tail -n 20 "$kube_log" >&2
  echo "!!! could not build the test Kubernetes API server (log: $kube_log): tests/kube will be SKIPPED !!!" >&2
fi

echo "==> typecheck" >&2
tsc --noEmit -p . || exit 1
echo "==> format and lint (biome check)" >&2
biome check || exit 1

log=$(mktemp)
bun test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
pass=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
fail=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
skip=$(grep -Eo '^ *[0-9]+ skip$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
rm -f "$log"
echo "${pass} passed, ${fail} failed, ${skip} skipped"
if [ "$status" -ne 0 ] || [ "$fail" -ne 0 ] || [ "$pass" -eq 0 ]; then exit 1; fi
