#!/usr/bin/env bash
# Starts the whole system in the background: tools (built once into the cache), the Fabric network with
# the chaincode deployed, the MinIO vault, and one gateway per org; ends by printing what runs and what next.
#   npm start [-- --consensus bft] [-- --base-port N]
source "$(dirname "$0")/lib.sh"
started=$SECONDS
ensure_deps
say "▸ compiling (tsc -b)"
ensure_build
node network/dist/cli.js up "$@"
if [ -f gateway/dist/launch.js ]; then
  node gateway/dist/launch.js
fi
cat <<TXT

Kiseki is up ($((SECONDS - started))s). Everything runs in the background; state and logs are in ${KISEKI_STATE_DIR:-.kiseki/}.
Next:
  npm run network -- status      what runs where (add --json for connection details)
  npm run demo                   the guided story through the REST API
  npm run bench -- network       the baseline benchmark (on its own network)
  npm stop                       stop everything (state kept; npm run network -- down --purge deletes it)
TXT
