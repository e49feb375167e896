#!/usr/bin/env bash
# Builds nxrun's Temporal dev server (scripts/devserver: go.temporal.io/server v1.32.0-158.0 with
# standalone activities and standalone Nexus operations on, and the Temporal Web UI from
# github.com/temporalio/ui-server/v2 v2.52.0) from Go modules, caches the binary
# outside the repository and reuses it. Prints the binary's path on stdout; progress goes to stderr.
# NXRUN_DEVSERVER=/path/to/binary skips the build (a binary you built or got elsewhere).
#
# Why not the `temporal` CLI tag v1.7.4-standalone-nexus-operations that SERVER.md names: its go.mod
# replaces github.com/temporalio/cli/cliext with ./cliext, and no version of cliext is served by the
# Go module proxy (checked: the proxy's version list is empty and the pinned commit answers 403), so
# the CLI cannot be built from Go modules. We embed the very server version that tag pins instead.
set -euo pipefail
if [ -n "${NXRUN_DEVSERVER:-}" ]; then
  [ -x "$NXRUN_DEVSERVER" ] || { echo "NXRUN_DEVSERVER=$NXRUN_DEVSERVER is not an executable file" >&2; exit 1; }
  echo "$NXRUN_DEVSERVER"; exit 0
fi
SRC="$(cd "$(dirname "$0")/devserver" && pwd)"
# The cache key is the source itself, so a change to main.go or the pinned modules rebuilds.
KEY=$(cat "$SRC/main.go" "$SRC/go.mod" "$SRC/go.sum" | sha256sum | cut -c1-16)
CACHE="${NXRUN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nxrun}/devserver-$KEY"
BIN="$CACHE/nxrun-devserver"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
command -v go >/dev/null || {
  echo "Go (1.26 or later) is needed to build the Temporal dev server: install it from your OS packages or go.dev, or set NXRUN_DEVSERVER" >&2
  exit 1
}
mkdir -p "$CACHE"
echo "building the Temporal dev server (go.temporal.io/server v1.32.0-158.0); a cold build takes several minutes..." >&2
(cd "$SRC" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -o "$BIN.tmp.$$" .) >&2
mv "$BIN.tmp.$$" "$BIN"
echo "$BIN"
