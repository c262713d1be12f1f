#!/usr/bin/env bash
# Makes the Pulumi CLI, the Node language host and the dynamic-provider shim available, offline.
# Uses a compatible `pulumi` on PATH; otherwise builds both from their Go modules at the version of
# @pulumi/pulumi in package-lock.json into a cache outside the checkout, keyed by version.
# Prints the bin directory to put first on PATH as its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

version=${PULUMI_ENGINE_VERSION:-}
if [ -z "$version" ]; then
  version=$(node -e 'const l=require(process.argv[1]);const p=l.packages["node_modules/@pulumi/pulumi"];if(!p)process.exit(1);console.log(p.version)' "$here/package-lock.json") \
    || { echo "setup-engine: no @pulumi/pulumi in package-lock.json; run npm ci first" >&2; exit 1; }
fi
log() { echo "setup-engine: $*" >&2; }

cache=${MACHINA_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/machina/engine/v$version}
bin="$cache/bin"
shim_dir="$cache/shim"

if command -v pulumi >/dev/null 2>&1 && [ -z "${MACHINA_FORCE_ENGINE_BUILD:-}" ]; then
  have=$(pulumi version 2>/dev/null | sed 's/^v//')
  if [ "$have" = "$version" ] && command -v pulumi-language-nodejs >/dev/null 2>&1; then
    log "using pulumi v$have on PATH"
    bin=$(dirname "$(command -v pulumi)")
  fi
fi

if [ ! -x "$bin/pulumi" ] || [ ! -x "$bin/pulumi-language-nodejs" ]; then
  command -v go >/dev/null 2>&1 || { echo "setup-engine: Go is needed to build the Pulumi engine offline (install Go >= 1.25, or install Pulumi v$version the official way and put it on PATH)" >&2; exit 1; }
  start=$(date +%s)
  log "building the Pulumi CLI and Node language host v$version from Go modules into $bin (first time only, several minutes)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  export GOFLAGS=-mod=mod GOTOOLCHAIN=local
  cat > "$work/go.mod" <<MOD
module machina.local/engine

go 1.25.11

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

replace golang.org/x/text => golang.org/x/text v0.39.0
MOD
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
GO
  (
    cd "$work"
    go get "github.com/pulumi/pulumi/pkg/v3@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version" >&2
    go mod tidy >&2 || true
    mkdir -p "$bin.tmp"
    ld="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
    go build -trimpath -ldflags "$ld" -o "$bin.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
  )
  rm -rf "$bin"; mv "$bin.tmp" "$bin"
  log "built in $(( $(date +%s) - start )) s"
else
  log "reusing cached engine in $bin"
fi

# The dynamic-provider plugin is a shell shim at the root of @pulumi/pulumi; npm does not link it.
shim="$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
if [ -f "$shim" ]; then
  mkdir -p "$shim_dir"
  ln -sf "$shim" "$shim_dir/pulumi-resource-pulumi-nodejs"
  chmod +x "$shim" 2>/dev/null || true
fi
echo "$bin:$shim_dir"
