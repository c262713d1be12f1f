#!/usr/bin/env bash
# Builds VMware's vCenter simulator (the `simulator` package of the govmomi Go module, served by the
# small wrapper in scripts/vcsim) into a cache outside the checkout, keyed by the govmomi version and
# the wrapper's sources, so a fresh clone on the same machine reuses the build. Prints the path of the
# `vcsim` binary as its last line. The vsphere test tier starts it on 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/scripts/vcsim"
log() { echo "setup-vcsim: $*" >&2; }

version=$(sed -n 's/^require github.com\/vmware\/govmomi v\(.*\)$/\1/p' "$src/go.mod")
[ -n "$version" ] || { log "no govmomi version in $src/go.mod"; exit 1; }
key=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -c1-12)
dir=${MACHINA_VCSIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/machina/vcsim}/v$version-$key

if [ ! -x "$dir/vcsim" ]; then
  command -v go >/dev/null 2>&1 || {
    log "Go >= 1.24 is needed to build vcsim (govmomi v$version) for the vsphere test tier: install Go"
    exit 1
  }
  start=$(date +%s)
  log "building vcsim from govmomi v$version into $dir (first time only: about a minute on 2 cores)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  # go.sum is committed: it is the trust anchor, and the build never edits it.
  (cd "$src" && GOTOOLCHAIN=local GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$dir.tmp/vcsim" . >&2)
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  log "vcsim built in $(( $(date +%s) - start )) s"
fi
echo "$dir/vcsim"
