#!/usr/bin/env bash
# Runs one of the project's compiled entry points on Node 24, installing and building first if needed.
source "$(dirname "$0")/lib.sh"
ensure_deps
ensure_build
entry="$1"
shift
exec node "$ROOT/$entry" "$@"
