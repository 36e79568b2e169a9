#!/usr/bin/env bash
# Builds Elevate and runs it against the built-in demo tenant: the tray app with its window open (on a
# desktop), then the same tenant through the CLI. Installs what is missing first.
#   scripts/demo.sh          the tray app (falls back to the CLI walk-through without a display)
#   scripts/demo.sh --cli    only the CLI walk-through (list, activate, show active)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-target}"

cli_demo() {
  cargo build --locked -p elevate-cli
  local bin="$target/debug/elevate"
  elevate() { "$bin" --demo "$@"; }
  echo; echo "\$ elevate --demo roles"
  elevate roles
  echo; echo "\$ elevate --demo activate 'Contributor@Contoso Development' --for 2h --reason 'Deploy the release'"
  elevate activate 'Contributor@Contoso Development' --for 2h --reason "Deploy the release" || true
  echo; echo "\$ elevate --demo active"
  elevate active
  echo
  echo "Try: elevate --demo activate Owner@Production --reason 'Hotfix' --ticket ServiceNow:INC0012345"
  echo "     elevate --demo watch --speed 60    (notifications: the 2h grant's warnings within two minutes)"
  echo "     elevate --demo approvals · elevate --demo approve 'User Administrator' --reason 'Planned'"
  echo "     elevate --demo requests · elevate --demo history · elevate --demo reset"
}

if [ "${1:-}" = "--cli" ] || [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  if [ "${1:-}" != "--cli" ]; then
    echo "No display here: showing the CLI demo instead (the tray app needs a desktop session)."
  fi
  cli_demo
  exit 0
fi

(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
# A debug build, as the tests use (quick to build, and nothing to rebuild after scripts/test.sh); the
# release profile (LTO, what ships and what the benchmarks measure) takes much longer to build.
cargo build --locked -p elevate-tray -p elevate-cli
echo "Elevate is in your system tray (demo tenant: Ada Lovelace at Contoso). Quit from its menu."
echo "The CLI sees the same tenant: $target/debug/elevate --demo active"
exec "$target/debug/elevate-tray" --demo --window
