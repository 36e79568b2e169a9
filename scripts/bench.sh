#!/usr/bin/env bash
# Runs the benchmarks and writes their results into bench/ (commit them with what they measure).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p bench
cargo bench --locked -p elevate-core --bench list_eligibilities -- --out "$PWD/bench/list_eligibilities.md"
# The watcher's budget is measured as the app runs, at x1: scripts/bench-watch.sh (15 minutes).
