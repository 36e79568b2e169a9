#!/usr/bin/env bash
# Runs every test of Elevate: unit, integration (the client against the simulator over real HTTP, the
# store against real SQLite files), spec conformance, and end to end (the `elevate` binary).
# Installs what is missing first. Set CARGO_TARGET_DIR to reuse a build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

echo "== build"
cargo build --workspace --all-targets --locked

echo "== lint"
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings

echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
