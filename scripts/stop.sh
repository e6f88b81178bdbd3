#!/usr/bin/env bash
# Stops everything `npm start` started (gateways, peers with their chaincode, orderers, vault); keeps state.
source "$(dirname "$0")/lib.sh"
ensure_deps
ensure_build
node network/dist/cli.js down "$@"
