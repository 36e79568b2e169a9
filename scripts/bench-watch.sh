#!/usr/bin/env bash
# What the grant watcher costs as the app runs: a release build of the CLI, then
# bench/watch_bench.py runs `elevate watch` for a fixed window on the real clock in four variants at
# once (demo and tenant mode, approver and not, 5 activated grants each) and appends calls per hour,
# counted in the simulator's request log, to bench/watch_budget.md.
# WATCH_BENCH_WINDOW=seconds (default 900), WATCH_BENCH_LABEL=text, ELEVATE_CLI=path (skip the build).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-target}"
cli="${ELEVATE_CLI:-}"
if [ -z "$cli" ]; then
  cargo build --release --locked -p elevate-cli
  cli="$target/release/elevate"
fi
python3 bench/watch_bench.py "$cli" bench/watch_budget.md \
  --window "${WATCH_BENCH_WINDOW:-900}" --label "${WATCH_BENCH_LABEL:-$(git rev-parse --short HEAD)}"
