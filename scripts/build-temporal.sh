#!/usr/bin/env bash
# Builds the pinned `temporal` CLI (with the dev server) from Go modules and caches it outside the repo.
# Prints the binary's path on stdout. TEMPORAL_CLI=/path/to/temporal skips the build.
# Why from source: no prebuilt binary can be downloaded here, and standalone Nexus operations exist
# only on the CLI's pre-release tag below (see ../shared/design/SERVER.md).
set -euo pipefail
if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || { echo "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file" >&2; exit 1; }
  echo "$TEMPORAL_CLI"; exit 0
fi
V=v1.7.4-standalone-nexus-operations
# The CLI's go.mod replaces cliext with ./cliext, which the module zip does not carry; this is the
# cliext commit that tag was cut with.
EXT_VERSION=194203f97aa0
CACHE="${NXRUN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nxrun}/temporal-$V"
BIN="$CACHE/temporal"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
command -v go >/dev/null || { echo "Go is needed to build the Temporal dev server (https://go.dev/dl); or set TEMPORAL_CLI" >&2; exit 1; }
mkdir -p "$CACHE"
dir_of() { go mod download -json "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})'; }
echo "building temporal $V from Go modules (a cold build takes several minutes)..." >&2
CLI_DIR=$(dir_of "github.com/temporalio/cli@$V")
EXT_DIR=$(dir_of "github.com/temporalio/cli/cliext@$EXT_VERSION")
BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT
cp -r "$CLI_DIR" "$BUILD/cli" && chmod -R u+w "$BUILD/cli"
rm -rf "$BUILD/cli/cliext" && cp -r "$EXT_DIR" "$BUILD/cli/cliext" && chmod -R u+w "$BUILD/cli/cliext"
(cd "$BUILD/cli" && CGO_ENABLED=0 go build -o "$BIN.tmp" ./cmd/temporal) >&2
mv "$BIN.tmp" "$BIN"
echo "$BIN"
