#!/usr/bin/env bash
# Every benchmark, one after another (npm run bench). Each prints its own table; the README's
# performance section quotes them. The datapath and Kubernetes ones need root (network namespaces,
# BPF, the test API server). Expect about 10 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
run() { printf '\n\033[1m==> %s\033[0m\n' "$*"; "$@" || echo "(failed: $*)"; }
[ -x dist/edgegate ] || bash scripts/setup.sh
run bun bench/render.ts 1000 10000 50000
run bun bench/startup.ts 10 10000
run bun bench/health.ts 50000 20 5
run bun bench/propagation.ts 10000 50
run bun bench/xds/fanout.ts
# Change safety (issue 17): one table. SOAK=30 adds the 30-minute churn soak.
run bun bench/change/run.ts --soak "${SOAK:-0}"
run bun bench/change/stages.ts 10000
run bun bench/change/hostname-growth.ts 3000
run bun bench/envoy-stats.ts
if [ "$(id -u)" -eq 0 ]; then
  run bun bench/datapath/steering.ts --rounds 5 --seconds 2
  run bun bench/mesh/connect.ts --rounds 5 --connections 5000
  run bun bench/datapath/spread.ts
  run bun bench/datapath/timewait.ts
  run bash -c 'bash scripts/setup-kube.sh && bun bench/kube/bench.ts && bun bench/kube/attached-routes.ts'
  # KUBE_NEW_ROUTES=3000 is the issue's size (about 30 minutes on 2 cores); 300 by default.
  run bun bench/kube/new-routes.ts --new-routes "${KUBE_NEW_ROUTES:-300}"
else
  echo "skipping the datapath and Kubernetes benchmarks: they need root" >&2
fi
