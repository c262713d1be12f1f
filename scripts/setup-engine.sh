#!/usr/bin/env bash
# Makes the Pulumi engine available offline: the CLI, a Node.js language host and the
# dynamic-provider shim. Uses a `pulumi` on PATH when its version matches @pulumi/pulumi in
# package-lock.json; otherwise builds the CLI from its Go module, and Machina's own language host
# (scripts/engine/language-host), into a cache outside the checkout keyed by version, so a fresh clone
# on the same machine reuses the build. Prints the directories to put first on PATH as its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
log() { echo "setup-engine: $*" >&2; }

version=${PULUMI_ENGINE_VERSION:-}
if [ -z "$version" ]; then
  version=$(node -e 'const l=require(process.argv[1]);const p=l.packages["node_modules/@pulumi/pulumi"];if(!p)process.exit(1);console.log(p.version)' "$here/package-lock.json") \
    || { echo "setup-engine: no @pulumi/pulumi in package-lock.json; run npm ci first" >&2; exit 1; }
fi
cache=${MACHINA_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/machina/engine}/v$version
langhost_src="$here/scripts/engine/language-host"
langhost_key=$(cat "$langhost_src"/go.mod "$langhost_src"/go.sum "$langhost_src"/*.go | sha256sum | cut -c1-12)
cli_dir="$cache/cli"
host_dir="$cache/language-host-$langhost_key"
shim_dir="$cache/shim"

need_go() {
  command -v go >/dev/null 2>&1 || {
    echo "setup-engine: Go >= 1.25 is needed to build the Pulumi engine offline. Install Go, or install Pulumi v$version the official way (it includes the Node.js language host) and put it on PATH." >&2
    exit 1
  }
}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
ldflags_version="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"

on_path=""
if command -v pulumi >/dev/null 2>&1 && [ -z "${MACHINA_FORCE_ENGINE_BUILD:-}" ]; then
  have=$(pulumi version 2>/dev/null | sed 's/^v//')
  if [ "$have" = "$version" ] && command -v pulumi-language-nodejs >/dev/null 2>&1; then
    on_path=$(dirname "$(command -v pulumi)")
    log "using pulumi v$have on PATH ($on_path)"
  fi
fi

if [ -z "$on_path" ] && [ ! -x "$cli_dir/pulumi" ]; then
  need_go
  start=$(date +%s)
  log "building the Pulumi CLI v$version from its Go module into $cli_dir (first time only: about 5 minutes on 2 cores)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # pkg/go.mod carries replace directives, which `go install mod@version` refuses: build from a
  # wrapper module that requires pkg and sdk at the release and repeats the non-local replaces.
  cat > "$work/go.mod" <<MOD
module machina.local/engine

go 1.25.11

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

replace golang.org/x/text => golang.org/x/text v0.39.0
MOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' > "$work/tools.go"
  (
    cd "$work"
    go get "github.com/pulumi/pulumi/pkg/v3@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version" >&2
    mkdir -p "$cli_dir.tmp"
    go build -trimpath -ldflags "-s -w $ldflags_version" -o "$cli_dir.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
  )
  rm -rf "$cli_dir"; mv "$cli_dir.tmp" "$cli_dir"
  log "Pulumi CLI built in $(( $(date +%s) - start )) s"
fi

if [ -z "$on_path" ] && [ ! -x "$host_dir/pulumi-language-nodejs" ]; then
  need_go
  start=$(date +%s)
  log "building Machina's Node.js language host into $host_dir"
  mkdir -p "$host_dir.tmp"
  (cd "$langhost_src" && go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$host_dir.tmp/pulumi-language-nodejs" . >&2)
  rm -rf "$host_dir"; mv "$host_dir.tmp" "$host_dir"
  log "language host built in $(( $(date +%s) - start )) s"
fi

# The engine prefers plugins that sit next to its own binary (and warns about ones found on PATH):
# assemble one directory with the CLI, the language host and the dynamic-provider shim. The shim is
# a shell script at the root of @pulumi/pulumi (npm does not link it); it finds @pulumi/pulumi from its
# working directory, so one copy serves every checkout.
shim="$here/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
[ -f "$shim" ] || { echo "setup-engine: $shim is missing; run npm ci first" >&2; exit 1; }
if [ -n "$on_path" ]; then
  mkdir -p "$shim_dir"
  install -m 0755 "$shim" "$shim_dir/pulumi-resource-pulumi-nodejs"
  echo "$on_path:$shim_dir"
  exit 0
fi
bin_dir="$cache/bin-$langhost_key"
if [ ! -x "$bin_dir/pulumi-resource-pulumi-nodejs" ] || ! cmp -s "$shim" "$bin_dir/pulumi-resource-pulumi-nodejs"; then
  rm -rf "$bin_dir.tmp" && mkdir -p "$bin_dir.tmp"
  ln -f "$cli_dir/pulumi" "$bin_dir.tmp/pulumi" 2>/dev/null || cp "$cli_dir/pulumi" "$bin_dir.tmp/pulumi"
  ln -f "$host_dir/pulumi-language-nodejs" "$bin_dir.tmp/pulumi-language-nodejs" 2>/dev/null || cp "$host_dir/pulumi-language-nodejs" "$bin_dir.tmp/"
  install -m 0755 "$shim" "$bin_dir.tmp/pulumi-resource-pulumi-nodejs"
  rm -rf "$bin_dir" && mv "$bin_dir.tmp" "$bin_dir"
fi
# Stamp the version beside the binary: Machina's workspaces then need not ask `pulumi version` on
# every run (automation/engine-command.ts trusts the stamp only while size and mtime still match).
engine_version=$("$bin_dir/pulumi" version)
printf '{"version":"%s","size":%s,"mtime":%s}\n' "${engine_version#v}" \
  "$(stat -c %s "$bin_dir/pulumi")" "$(stat -c %Y "$bin_dir/pulumi")" > "$bin_dir/pulumi.version.$$.tmp"
mv "$bin_dir/pulumi.version.$$.tmp" "$bin_dir/pulumi.version"
log "engine ready: $engine_version in $bin_dir"
echo "$bin_dir"
