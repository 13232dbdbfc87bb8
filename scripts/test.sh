#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then runs the whole suite.
# Used as-is by CI (.ci/run). Services: PostgreSQL on 127.0.0.1:5432 and RabbitMQ on 127.0.0.1:5672 (guest/guest)
# are expected to be running.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
# the signing service's interop tests: PKCS#11 token, XMLDSig, PDF signatures, QR scanning
if ! command -v softhsm2-util >/dev/null 2>&1 || ! command -v xmlsec1 >/dev/null 2>&1 \
   || ! command -v pdfsig >/dev/null 2>&1 || ! command -v zbarimg >/dev/null 2>&1; then
  echo "installing Debian softhsm2, opensc, xmlsec1, poppler-utils and zbar-tools for the signing tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq softhsm2 opensc xmlsec1 poppler-utils zbar-tools >/dev/null
fi
. scripts/venv.sh
project_venv "[test,distributed]"

.venv/bin/python -m ruff check domain engine adapters projections ui bench schemas tests
.venv/bin/python -m mypy domain engine
# one worker per core (pytest-xdist); a file's tests stay together on one worker (module fixtures, shared servers)
.venv/bin/python -m pytest -q -p no:cacheprovider -n "${CBEC_TEST_WORKERS:-auto}" --dist loadfile "$@"
