#!/usr/bin/env bash
# Installs the platform and starts it on the embedded default (SQLite, file boxes, customs simulator)
# with demo data. Options are passed to `cbec serve`, e.g. --port 8080 --data /srv/cbec.
set -euo pipefail
cd "$(dirname "$0")/.."
# the project's own virtual environment (.venv/, made once): nothing installed into the system Python
if [ ! -x .venv/bin/python ]; then
  if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    echo "installing Debian python3-venv for the project's virtual environment"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e .
exec .venv/bin/cbec serve "$@"
