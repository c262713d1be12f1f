#!/usr/bin/env bash
# Makes the Pulumi Kubernetes provider plugin (pulumi-resource-kubernetes) available offline for the
# kubevirt test tier, built from its Go module at setup time and cached by version under
# ${XDG_CACHE_HOME:-~/.cache}/machina/pulumi-kubernetes/v<version>. The version is the
# @pulumi/kubernetes in package-lock.json, so the SDK and the plugin agree. Prints the directory
# holding the plugin as its last line (put it on PATH; the engine then uses it offline).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
log() { echo "setup-kubernetes-provider: $*" >&2; }

version=${MACHINA_KUBERNETES_PROVIDER_VERSION:-}
if [ -z "$version" ]; then
  version=$(node -e 'const l=require(process.argv[1]);const p=l.packages["node_modules/@pulumi/kubernetes"];if(!p)process.exit(1);console.log(p.version)' "$here/package-lock.json") \
    || { log "no @pulumi/kubernetes in package-lock.json; run npm ci first"; exit 1; }
fi
# The release tags of provider/v4 are not served as module versions, and the only commit the module
# proxy serves is f47bc2d6f199: the v4.25.0 release commit (tag v4.25.0, 2026-01-15), not v4.34.2's. The
# plugin is built from it and stamped with the SDK's version, which the engine requires of the plugin;
# Machina uses only its core/v1 Secret and Service and apiextensions CustomResource.
case "$version" in
  4.34.2) module_version=v4.0.0-20260115033456-f47bc2d6f199 ;;
  *) log "no provider module version known for @pulumi/kubernetes $version (edit $0)"; exit 1 ;;
esac
cache=${XDG_CACHE_HOME:-$HOME/.cache}/machina/pulumi-kubernetes/v$version
if [ -x "$cache/pulumi-resource-kubernetes" ]; then
  log "plugin ready in $cache"
  echo "$cache"
  exit 0
fi

command -v go >/dev/null 2>&1 || { log "Go >= 1.24 is needed to build the Kubernetes provider plugin"; exit 1; }
# The checksum database has no entry for these pseudo-versions: go.sum written here is the trust anchor.
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GONOSUMDB=github.com/pulumi
start=$(date +%s)
log "building pulumi-resource-kubernetes $version ($module_version) into $cache (first time only: about 10 minutes on 2 cores)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mod=github.com/pulumi/pulumi-kubernetes/provider/v4
sdk=github.com/pulumi/pulumi-kubernetes/sdk/v4
# provider/v4 replaces the SDK module with ../sdk (its own repository), which a dependency cannot do;
# that commit's SDK is not served, and the provider uses only its type declarations (yaml/v2, helm/v4):
# the newest served SDK release stands in, pinned.
sdk_version=v4.24.0
printf 'module machina.local/pulumi-kubernetes\n\ngo 1.24.7\n\nrequire (\n\t%s %s\n\t%s %s\n)\n' \
  "$mod" "$module_version" "$sdk" "$sdk_version" > "$work/go.mod"
(cd "$work" && go mod download -json "$mod@$module_version" > "$work/module.json")
src=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).Dir)' "$work/module.json")
# The upstream main embeds a schema-embed.json made by `go generate` (not in the module): the wrapper
# main is the upstream one, with the schema it ships stamped with the version, as its generator does.
node -e '
  const fs = require("fs");
  const [src, dst, version] = process.argv.slice(1);
  const schema = JSON.parse(fs.readFileSync(src + "/cmd/pulumi-resource-kubernetes/schema.json", "utf8"));
  schema.version = version;
  fs.writeFileSync(dst + "/schema-embed.json", JSON.stringify(schema));
  const mapping = JSON.parse(fs.readFileSync(src + "/cmd/pulumi-resource-kubernetes/terraform-mapping.json", "utf8"));
  fs.writeFileSync(dst + "/terraform-mapping-embed.json", JSON.stringify(mapping));
' "$src" "$work" "$version"
cat > "$work/main.go" <<'GO'
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
GO
(
  cd "$work"
  go mod tidy >&2
  rm -rf "$cache.tmp" && mkdir -p "$cache.tmp"
  go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$version" \
    -o "$cache.tmp/pulumi-resource-kubernetes" . >&2
)
rm -rf "$cache" && mv "$cache.tmp" "$cache"
log "pulumi-resource-kubernetes $version built in $(( $(date +%s) - start )) s"
echo "$cache"
