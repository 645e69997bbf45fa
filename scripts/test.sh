#!/usr/bin/env bash
# The whole test suite: sets up (idempotent), builds the binary, runs every test file, and ends with
# one summary line `N passed, N failed, N skipped` that CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export PATH="$PWD/node_modules/.bin:$PATH"
# The Kubernetes-mode tests run against a real API server built from Debian's sources (test-only,
# so not part of setup.sh; ~4 min the first time on a machine, seconds after).
echo "==> Kubernetes API server for tests/kube" >&2
if ! bash scripts/setup-kube.sh; then
  # The suite still runs; tests/kube says loudly that it skipped and why.
  echo "!!! could not build the test Kubernetes API server: tests/kube will be SKIPPED !!!" >&2
fi

echo "==> typecheck" >&2
tsc --noEmit -p . || exit 1

log=$(mktemp)
bun test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
pass=$(grep -Eo '^ *[0-9]+ pass$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
fail=$(grep -Eo '^ *[0-9]+ fail$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
skip=$(grep -Eo '^ *[0-9]+ skip$' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
rm -f "$log"
echo "${pass} passed, ${fail} failed, ${skip} skipped"
if [ "$status" -ne 0 ] || [ "$fail" -ne 0 ] || [ "$pass" -eq 0 ]; then exit 1; fi
