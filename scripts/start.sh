#!/usr/bin/env bash
# Installs the platform and starts it on the embedded default (SQLite, file boxes, customs simulator)
# with demo data. Options are passed to `cbec serve`, e.g. --port 8080 --data /srv/cbec.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e .
exec cbec serve "$@"
