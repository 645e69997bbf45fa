#!/usr/bin/env bash
# Quick start: install what is needed, build dist/edgegate, and run the appliance on the example
# configuration. Ctrl-C drains and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "==> dist/edgegate run --config config/edgegate.yaml  (status: http://127.0.0.1:9901/status, health: http://127.0.0.1:10266/healthz)" >&2
exec ./dist/edgegate run --config config/edgegate.yaml --log-format text "$@"
