#!/usr/bin/env bash
# API calls caused by one activation and one deactivation started from the tray, counted in the
# simulator's request log (identity calls by a counting proxy in front of the sign-in endpoints):
# release build of the tray and the CLI (for `elevate sim`), then bench/activation_bench.py on a
# private Xvfb and D-Bus session, signed in to the simulator run as a separate process. Writes
# bench/activation_calls.md (its hand-written "Where the calls come from" section is kept).
# ACTIVATION_BENCH_RUNS=5 for more runs (default 3); about 8 minutes per run after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
cargo build --release --locked -p elevate-tray -p elevate-cli
target="${CARGO_TARGET_DIR:-target}"
python3 bench/activation_bench.py "$target/release/elevate-tray" "$target/release/elevate" \
  bench/activation_calls.md
