#!/usr/bin/env bash
# Builds Elevate and runs its main job against the built-in demo tenant: list the roles you are eligible
# for, activate one, show it active. Installs what is missing first. Extra arguments go to `activate`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release --locked -p elevate-cli
bin="${CARGO_TARGET_DIR:-target}/release/elevate"
elevate() { "$bin" --demo "$@"; }

echo; echo "\$ elevate --demo roles"
elevate roles
echo; echo "\$ elevate --demo activate 'Contributor@Contoso Development' --for 2h --reason 'Deploy the release'"
elevate activate 'Contributor@Contoso Development' --for 2h --reason "Deploy the release" "$@" || true
echo; echo "\$ elevate --demo active"
elevate active
echo
echo "Try: elevate --demo activate Owner@Production --reason 'Hotfix' --ticket ServiceNow:INC0012345"
echo "     elevate --demo watch --speed 60    (notifications: the 2h grant's warnings within two minutes)"
echo "     elevate --demo approvals · elevate --demo approve 'User Administrator' --reason 'Planned'"
echo "     elevate --demo requests · elevate --demo history · elevate --demo reset"
