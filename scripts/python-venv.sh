#!/usr/bin/env bash
# Creates (once) the virtual environment the Python example worker runs in, with the pinned `temporalio`
# from PyPI (examples/workers/python/requirements.txt), cached outside the repository and reused.
# Prints the venv's python on stdout; progress goes to stderr.
# NXRUN_PYTHON=/path/to/python skips this (an interpreter that already has temporalio >= 1.14).
set -euo pipefail
if [ -n "${NXRUN_PYTHON:-}" ]; then
  [ -x "$NXRUN_PYTHON" ] || { echo "NXRUN_PYTHON=$NXRUN_PYTHON is not an executable file" >&2; exit 1; }
  echo "$NXRUN_PYTHON"; exit 0
fi
REQ="$(cd "$(dirname "$0")/../examples/workers/python" && pwd)/requirements.txt"
PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null || {
  echo "Python 3.9 or later is needed for the Python example worker: install python3 (and python3-venv), or set NXRUN_PYTHON" >&2
  exit 1
}
# The cache key is the requirements and the interpreter's version, so a change to either makes a new venv.
KEY=$( { cat "$REQ"; "$PY" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
VENV="${NXRUN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nxrun}/python-venv-$KEY"
if [ -x "$VENV/bin/python" ] && [ -f "$VENV/.complete" ]; then echo "$VENV/bin/python"; exit 0; fi
echo "creating the Python venv for the example worker (temporalio from PyPI) in $VENV..." >&2
rm -rf "$VENV"
"$PY" -m venv "$VENV" >&2 || {
  echo "python3 -m venv failed: on Debian/Ubuntu install python3-venv" >&2
  exit 1
}
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" >&2
# Written last, so an interrupted install is redone next time rather than half used.
touch "$VENV/.complete"
echo "$VENV/bin/python"
