#!/usr/bin/env bash
# Dynamic providers serialized into stack state require `pulumi-machina/internal/dynamic/v1` by package
# name from the program's directory. For this repository's own stacks, that name is this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || { echo "link-self: run npm ci first" >&2; exit 1; }
ln -sfn .. node_modules/pulumi-machina
