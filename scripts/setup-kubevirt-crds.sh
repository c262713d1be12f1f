#!/usr/bin/env bash
# Generates KubeVirt's CustomResourceDefinitions (VirtualMachine, VirtualMachineInstance, KubeVirt and
# the snapshot kinds) from the validation schemas of the kubevirt.io/kubevirt Go module, fetched through
# Go's module proxy, into ${XDG_CACHE_HOME:-~/.cache}/machina/kubevirt-crds/v<version>. Generated at
# setup time, never committed. Prints that directory as its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=${MACHINA_KUBEVIRT_VERSION:-1.6.0}
out=${XDG_CACHE_HOME:-$HOME/.cache}/machina/kubevirt-crds/v$version
generator_key=$(sha256sum "$here/scripts/kubevirt/crds.js" | cut -c1-12)
if [ ! -f "$out/$generator_key" ]; then
  command -v go >/dev/null 2>&1 || { echo "setup-kubevirt-crds: Go is needed to fetch kubevirt.io/kubevirt" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  dir=$(cd "$work" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "kubevirt.io/kubevirt@v$version" \
    | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const j=JSON.parse(s);if(j.Error)throw new Error(j.Error);console.log(j.Dir)})')
  rm -rf "$out.tmp"
  NODE_PATH="$here/node_modules" node "$here/scripts/kubevirt/crds.js" \
    "$dir/pkg/virt-operator/resource/generate/components/validations_generated.go" "$out.tmp" >/dev/null
  touch "$out.tmp/$generator_key"
  rm -rf "$out" && mv "$out.tmp" "$out"
  echo "setup-kubevirt-crds: KubeVirt v$version CRDs generated in $out" >&2
fi
echo "$out"
