# Sourced by start.sh and test.sh: the project's own virtual environment (.venv/, made once), with the project
# installed into it (editable) with the extras named in $1. Nothing is installed into the system Python.
project_venv() {
  if [ ! -x .venv/bin/python ]; then
    if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
      echo "installing Debian python3-venv for the project's virtual environment"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    fi
    python3 -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -e ".${1:-}"
}
