#!/usr/bin/env bash
# Runs every test: unit tests (no network), then integration tests on a real network and MinIO that
# the test setup starts on its own ports and state dir and stops afterwards. Ends with one line
# "N passed, N failed" summed from jest's JSON reports.
#   npm test                 all tiers
#   npm test -- unit         unit tier only
#   npm test -- integration  integration tier only
source "$(dirname "$0")/lib.sh"
tier="${1:-all}"
ensure_deps
# Jest loads ESM-only dependencies (fabric-gateway's @noble/curves) through require(esm), which needs
# vm modules on Node 24. Only the test runs get this flag, not the nodes or gateways they start.
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --disable-warning=ExperimentalWarning"
mkdir -p reports
rm -f reports/*.json
status=0
reports=()

say "▸ compiling (tsc -b) and type-checking the tests"
if ! ensure_build || ! tsc -p tsconfig.test.json --noEmit; then
  say "✗ compile failed"
  echo "0 passed, 1 failed"
  exit 1
fi

if [ "$tier" = all ] || [ "$tier" = unit ]; then
  say "▸ unit tests"
  reports+=(reports/unit.json)
  jest -c jest.unit.config.js --json --outputFile=reports/unit.json || status=1
fi
if [ "$tier" = all ] || [ "$tier" = integration ]; then
  say "▸ native tools (Fabric, MinIO)"
  reports+=(reports/integration.json)
  node network/dist/cli.js tools >&2 || { echo "0 passed, 1 failed"; exit 1; }
  say "▸ integration tests (real Fabric network and MinIO)"
  jest -c jest.integration.config.js --runInBand --json --outputFile=reports/integration.json || status=1
fi
node scripts/test-summary.js "${reports[@]}" || status=1
exit $status
