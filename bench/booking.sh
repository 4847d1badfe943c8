#!/usr/bin/env bash
# Booking: slot computation over an eight-week horizon, and bookings/s over distinct slots on
# SQLite next to a plain insert loop into the same database, measured in the same run.
# Budget (issue 4): >= 1,000 bookings/s.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -q -p store --example booking_bench
