#!/usr/bin/env bash
# Runs the benchmarks and writes their results into bench/ (commit them with what they measure).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
mkdir -p bench
cargo bench --locked -p elevate-core --bench list_eligibilities -- --out "$PWD/bench/list_eligibilities.md"
cargo bench --locked -p elevate-core --bench watch_budget -- --out "$PWD/bench/watch_budget.md"
