#!/usr/bin/env bash
# Runs every test of Elevate: the window's component tests (Vitest), unit, integration (the client
# against the simulator over real HTTP, the store against real SQLite files), spec conformance, and end
# to end (the `elevate` binary; the tray app's menu over D-Bus and its window over WebDriver, on a
# private Xvfb).
# Then the Windows step: both .exe files cross-built with MinGW-w64 and run under Wine.
# Installs what is missing first. Set CARGO_TARGET_DIR to reuse a build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

echo "== ui"
# The tray app embeds ui/dist, so the UI is built first (tsc checks the component tests' types too),
# then its component tests run: Vitest with happy-dom, the app's commands and events mocked.
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent && npm test --silent)

echo "== build"
cargo build --workspace --all-targets --locked

echo "== lint"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings

echo "== tests"
# The hostile-input tests count what they try here; scripts/security-summary.sh adds it up.
rm -rf "${CARGO_TARGET_DIR:-target}/security-summary"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi

echo "== package"
# The .deb and .rpm from the dev build, lintian, installed for real with apt, the installed programs
# through the end-to-end tests, removed again (see the script).
bash scripts/test-package.sh

echo "== apt repository"
# A signed apt repository laid out by scripts/apt-repo.sh with the .deb just tested, added to apt with
# signed-by and refused when tampered with (see the script).
ELEVATE_DEB="$(ls -1t "${CARGO_TARGET_DIR:-$PWD/target}"/linux-packages/debug/bundle/deb/*.deb 2>/dev/null | head -1)" \
  bash scripts/test-apt-repo.sh

echo "== windows"
# Cross-builds elevate.exe and elevate-tray.exe and runs them under Wine (see the script).
bash scripts/test-windows.sh

echo "== security summary (forged D-Bus actions, markup, malformed answers, hostile headers)"
bash scripts/security-summary.sh
