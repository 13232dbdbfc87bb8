#!/usr/bin/env bash
# Installs the platform and starts it on the embedded default (SQLite, file boxes, customs simulator)
# with demo data. Options are passed to `cbec serve`, e.g. --port 8080 --data /srv/cbec.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
project_venv
exec .venv/bin/cbec serve "$@"
