#!/usr/bin/env bash
# Many people at once (issue 16): two release instances on one fresh PostgreSQL database behind
# HAProxy; 500 patients signed in through their mailed links, each waiting in the room of their own
# session, while visitors read the slots and book through the public API. Prints requests, failures
# and p50/p99 of the booking API next to the same load without the sockets (the anchor, measured
# before they open and after they close in the same run), and resident memory per idle socket on
# each instance. Budgets: no failed request, p99 < 100 ms, ~11 kB per idle socket.
# Knobs: PATIENTS (500), CONCURRENCY (8 requests at a time), DURATION (20 s per run);
# SOCKETS_VIA=direct opens every other socket straight to each instance instead of through HAProxy.
# Needs PostgreSQL at 127.0.0.1:5432 (trust auth, database test), as the e2e suite does.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=()
if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; then packages+=(haproxy); fi
if ! command -v psql >/dev/null; then packages+=(postgresql-client); fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi
if [ ${#packages[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${packages[@]}" >/dev/null
fi
cargo build --release -q -p holdspace
[ -d e2e/node_modules ] || (cd e2e && npm ci --silent --no-audit --no-fund)
ulimit -n 20000
# The servers log warnings only: the bench process reads their output, and a line per request
# would be the bench's own work, not theirs.
export E2E_DATABASE=postgres E2E_RUST_LOG=warn
export E2E_LOG_DIR="${E2E_LOG_DIR:-$(mktemp -d)}"
HOLDSPACE_BIN=target/release/holdspace node bench/crowd.js
