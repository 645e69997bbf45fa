#!/usr/bin/env bash
# Builds the real Kubernetes API server the tests/kube suite runs against (minikas + etcd from
# Debian's Go sources, see ../shared/kube/README.md). Idempotent: seconds when already built,
# about 4 minutes cold. The suite skips (loudly) when it is not built.
#   KUBE_TOOLS=/var/cache/edgegate-kube bash scripts/setup-kube.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${EDGEGATE_SHARED_KUBE:-../shared/kube}
export KUBE_TOOLS=${KUBE_TOOLS:-/var/cache/edgegate-kube}
if [ ! -x "$SHARED/setup.sh" ]; then
  echo "setup-kube: $SHARED/setup.sh not found (set EDGEGATE_SHARED_KUBE); tests/kube will be skipped" >&2
  exit 0
fi
bash "$SHARED/setup.sh"
