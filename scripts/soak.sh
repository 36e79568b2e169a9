#!/usr/bin/env bash
# The fault soak at full length: 1,000 seeded fault schedules (429, 5xx, resets, latency, truncated
# JSON, faults after the effect) on activate, deactivate, extend, cancel, approve and deny, through the
# session against the simulator (`fault_soak` in the engine test binary). Writes bench/fault_soak.md
# with the figures, the machine and the date; fails if anything was lost, doubled or wrongly reported.
# ELEVATE_SOAK_SCHEDULES and ELEVATE_SOAK_SEED change the length and the first seed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
schedules="${ELEVATE_SOAK_SCHEDULES:-1000}"
figures=$(mktemp)
trap 'rm -f "$figures"' EXIT
ELEVATE_SOAK_SCHEDULES="$schedules" ELEVATE_SOAK_REPORT="$figures" \
  cargo nextest run --locked -p elevate-core --test engine fault_soak::fault_soak --no-capture
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
{
  echo "# Fault soak"
  echo
  echo "\`scripts/soak.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores ($cpu), $(. /etc/os-release && echo "$PRETTY_NAME"),"
  echo "commit $(git rev-parse --short HEAD). Each schedule: a fresh simulator, one operation (activate,"
  echo "deactivate, extend, cancel, approve or deny; Azure resource role, Entra role or group, chosen by the seed)"
  echo "with 1–3 random faults armed (throttle, 5xx, reset, latency, malformed; on the operation's write, on any"
  echo "GET or on any request; half of the write faults after the effect; each for 1–2 requests), through the"
  echo "session with the tests' retry policy (4 attempts), then Azure's side read from \`/_sim/requests\`."
  echo
  cat "$figures"
  echo
  echo "Lost: reported done, not done in Azure. Doubled: two requests took effect for one operation."
  echo "Wrongly reported: reported failed, done in Azure (an honest \`maybe-done\` is counted apart)."
  echo "Recovery: the wall time of the slowest operation that met a fault (retries with Retry-After included)."
} > bench/fault_soak.md
cat bench/fault_soak.md
