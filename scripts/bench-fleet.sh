#!/usr/bin/env bash
# The fleet benchmark: N users (1,000 by default), each a real grant watcher with its own session,
# store and token, against one throttling simulator for an hour on the real clock, with a 10-minute
# outage of the simulator at 30 minutes (src-tauri/crates/elevate-core/benches/fleet.rs). Writes
# bench/fleet/run.md (the figures) and bench/fleet/run.json (calls, 429s and 5xx per second, for
# bench/fleet_report.py); bench/fleet.md is written from them, with the machine it ran on.
# FLEET_ARGS="--users 50 --ramp 60 --steady 180 --outage 60 --after 120" for a short run;
# FLEET_OUT=path.md (default bench/fleet/run.md). The build is the release profile; set
# CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 for a quicker build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-$PWD/target}"
out="${FLEET_OUT:-$PWD/bench/fleet/run.md}"
mkdir -p "$(dirname "$out")"
# 1,000 watchers hold a few thousand sockets and SQLite files.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exe=$(cargo build --release --locked -p elevate-core --bench fleet --message-format=json \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "fleet" and m.get("executable"):
        print(m["executable"])')
echo "running $exe" >&2
# shellcheck disable=SC2086
nice -n 5 "$exe" --out "$out" --raw "${out%.md}.json" ${FLEET_ARGS:-}
