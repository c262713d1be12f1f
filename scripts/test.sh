#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every tier, prints one summary line.
#   unit + contract: Pulumi mocks, every provider module
#   package:         npm pack into a fresh program, SDK load isolation, the CLI
set -euo pipefail
cd "$(dirname "$0")/.."
results=.test-results
rm -rf "$results" && mkdir -p "$results"

[ -x node_modules/.bin/vitest ] || npm ci --no-audit --no-fund
npm run build --silent

status=0
run_tier() {
  local tier=$1; shift
  echo "== $tier"
  npx vitest run "$@" --reporter=default --reporter=json --outputFile="$results/$tier-report.json" || status=1
}
run_tier unit test/unit test/contract
run_tier package test/package

node scripts/summarize-tests.js "$results"/*.json
exit $status
