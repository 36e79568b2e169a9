#!/usr/bin/env bash
# The tray app's start-up time and memory beside the smallest Tauri 2 tray app (bench/tray-baseline):
# release builds of both, then bench/tray_bench.py on a private Xvfb and D-Bus session. Writes
# bench/tray.md. Elevate is measured in demo mode and signed in to the simulator run apart (elevate sim). TRAY_BENCH_RUNS=5 for more runs (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
cargo build --release --locked -p elevate-tray -p tray-baseline -p elevate-cli
target="${CARGO_TARGET_DIR:-target}"
python3 bench/tray_bench.py "$target/release/elevate-tray" "$target/release/tray-baseline" \
  "$target/release/elevate" bench/tray.md
