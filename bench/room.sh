#!/usr/bin/env bash
# The video room: "Let in" to a connected call (median of 10) next to two connections signaling
# inside one page (the limit), and the server's memory with 5,000 idle signaling sockets next to
# its idle memory, measured in the same run. Budgets: connected < 1 s; 5,000 sockets < 300 MB.
# Needs Chromium (apt-get install -y chromium) and the e2e packages (cd e2e && npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p holdspace
[ -d e2e/node_modules ] || (cd e2e && npm ci --silent)
ulimit -n 20000
# Every socket comes from this machine's one address.
export HOLDSPACE_MAX_CONNECTIONS_PER_ADDRESS=0
HOLDSPACE_BIN=target/release/holdspace node bench/room.js
