#!/usr/bin/env bash
# Builds Elevate's Windows installer: NSIS through the Tauri bundler (the Tauri CLI from npm, pinned in
# scripts/tauri-cli/package.json), cross-built here for x86_64-pc-windows-gnu or natively on Windows.
# Per-user install (no admin rights), Start-menu entry, elevate.exe on the user's PATH, an uninstaller
# that keeps the user's data unless asked (scripts/windows/installer-hooks.nsh), WebView2's offline
# installer inside (scripts/windows/tauri.bundle.json). Pass --debug for the dev profile.
#
# The bundler needs, besides makensis, two downloads it makes itself: the nsis_tauri_utils plugin
# (from GitHub, checked against a SHA-1) and WebView2's installer (from Microsoft). Where those hosts
# cannot be reached, put the files in place first: the plugin as
# ~/.cache/tauri/NSIS/Plugins/x86-unicode/additional/nsis_tauri_utils.dll. This script says which
# one is missing before it builds.
set -euo pipefail
cd "$(dirname "$0")/.."
ELEVATE_SETUP_WINDOWS=1 source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

case "$(uname -s)" in
  MINGW*|MSYS*|CYGWIN*) target=x86_64-pc-windows-msvc ;;
  *) target=x86_64-pc-windows-gnu ;;
esac
profile=release
flags=()
if [ "${1:-}" = "--debug" ]; then profile=debug; flags+=(--debug); fi
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"

# What the bundler would download (its version's pins: tauri-bundler 2.10, in @tauri-apps/cli 2.12.5).
plugin="${XDG_CACHE_HOME:-$HOME/.cache}/tauri/NSIS/Plugins/x86-unicode/additional/nsis_tauri_utils.dll"
plugin_sha1=75197fee3c6a814fe035788d1c34ead39349b860
if [ "$target" = x86_64-pc-windows-gnu ]; then
  if [ ! -f "$plugin" ] || [ "$(sha1sum "$plugin" | cut -d' ' -f1)" != "$plugin_sha1" ]; then
    if ! curl -sfI --max-time 10 https://github.com >/dev/null 2>&1; then
      echo "bundle-windows: cannot build the installer here: the Tauri bundler needs $plugin"
      echo "  (nsis_tauri_utils v0.5.3 from github.com/tauri-apps/nsis-tauri-utils, SHA-1 $plugin_sha1),"
      echo "  which it downloads from GitHub, and GitHub cannot be reached from this machine. After it, the"
      echo "  bundler would fetch WebView2's offline installer from Microsoft (webviewInstallMode"
      echo "  offlineInstaller in scripts/windows/tauri.bundle.json), which cannot be reached either."
      exit 2
    fi
  fi
fi

(cd scripts/tauri-cli && npm ci --no-audit --no-fund --loglevel=error)
if [ ! -f ui/dist/index.html ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
fi

# The CLI goes in beside the tray app (bundle.externalBin wants it named for the target).
cargo build --locked --target "$target" -p elevate-cli --bin elevate $([ "$profile" = release ] && echo --release)
mkdir -p src-tauri/binaries
cp "$target_dir/$target/$profile/elevate.exe" "src-tauri/binaries/elevate-$target.exe"

(cd src-tauri && ../scripts/tauri-cli/node_modules/.bin/tauri build --target "$target" --bundles nsis \
  --config ../scripts/windows/tauri.bundle.json "${flags[@]}")
ls "$target_dir/$target/$profile/bundle/nsis/"*.exe
