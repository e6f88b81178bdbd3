#!/usr/bin/env bash
# Starts and stops the whole system N times in a row (default 10) on its own state dir and base port and
# counts the starts that failed; with --load, one busy process per core runs meanwhile; with --fresh,
# every start begins from nothing (the state is purged after each stop).
#   bash scripts/start-stop-cycles.sh [N] [--load] [--fresh]
# KISEKI_CYCLE_BASE_PORT (default 21000) and KISEKI_CYCLE_STATE_DIR (default .kiseki-cycles/) choose where.
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=10 load=0 fresh=0
for arg in "$@"; do
  case "$arg" in
    --load) load=1 ;;
    --fresh) fresh=1 ;;
    *) cycles=$arg ;;
  esac
done
port=${KISEKI_CYCLE_BASE_PORT:-21000}
export KISEKI_STATE_DIR=${KISEKI_CYCLE_STATE_DIR:-$PWD/.kiseki-cycles}
logs=$KISEKI_STATE_DIR-logs
mkdir -p "$logs"
loaders=()
cleanup() {
  for pid in "${loaders[@]}"; do kill "$pid" 2>/dev/null || true; done
  npm stop --silent >/dev/null 2>&1 || true
}
trap cleanup EXIT
if [ "$load" = 1 ]; then
  for _ in $(seq "$(nproc)"); do node -e 'for (;;) {}' & loaders+=("$!"); done
fi
failed=0
for i in $(seq "$cycles"); do
  t0=$SECONDS
  if npm start --silent -- --base-port "$port" >"$logs/start-$i.log" 2>&1; then
    echo "start $i: ok in $((SECONDS - t0)) s"
  else
    failed=$((failed + 1))
    echo "start $i: FAILED after $((SECONDS - t0)) s (see $logs/start-$i.log)"
  fi
  npm stop --silent >"$logs/stop-$i.log" 2>&1 || echo "stop $i: failed (see $logs/stop-$i.log)"
  if [ "$fresh" = 1 ]; then node network/dist/cli.js down --purge >/dev/null; fi
done
echo "$((cycles - failed)) of $cycles starts succeeded (load: $([ "$load" = 1 ] && echo "$(nproc) busy processes" || echo none), fresh: $([ "$fresh" = 1 ] && echo yes || echo no))"
[ "$failed" = 0 ]
