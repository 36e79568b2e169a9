#!/usr/bin/env bash
# Builds Elevate's Windows installer, Elevate_<version>_x64-setup.exe, with makensis from our own script
# scripts/windows/installer.nsi: cross-built here for x86_64-pc-windows-gnu (Debian's nsis), or natively
# on Windows with the MSVC toolchain (NSIS for Windows; run from Git Bash). Per-user install into
# %LOCALAPPDATA%\Programs\Elevate, Start-menu shortcut, the AppUserModelID for toasts, the CLI on the
# user's PATH, WebView2 detected (and installed by Microsoft's bootstrapper when one is given), an
# uninstaller that keeps the user's data unless asked. Prints the installer's path, size and SHA-256.
#
#   bash scripts/bundle-windows.sh [--debug] [--tauri]
#   WEBVIEW2_BOOTSTRAPPER=/path/to/MicrosoftEdgeWebview2Setup.exe bash scripts/bundle-windows.sh
#
# --debug: the dev profile. WEBVIEW2_BOOTSTRAPPER: Microsoft's Evergreen bootstrapper to build in (run
# when the runtime is missing; without it the installer tells the user where to get the runtime).
# --tauri: Tauri's NSIS bundler instead (scripts/windows/tauri.bundle.json). It needs to download its
# nsis_tauri_utils plugin from GitHub and WebView2's offline installer from Microsoft, and its per-user
# install goes to %LOCALAPPDATA%\Elevate, which is Elevate's data folder (%LOCALAPPDATA%\elevate:
# Windows names ignore case); it is kept for comparison, not shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ELEVATE_SETUP_WINDOWS=1 source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

case "$(uname -s)" in
  MINGW*|MSYS*|CYGWIN*) target=x86_64-pc-windows-msvc ;;
  *) target=x86_64-pc-windows-gnu ;;
esac
profile=release
use_tauri=0
for arg in "$@"; do
  case "$arg" in
    --debug) profile=debug ;;
    --tauri) use_tauri=1 ;;
    *) echo "bundle-windows: unknown option $arg (--debug, --tauri)"; exit 2 ;;
  esac
done
release_flag=()
[ "$profile" = release ] && release_flag=(--release)
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
[ -n "$version" ] || { echo "bundle-windows: no version in Cargo.toml's [workspace.package]"; exit 1; }

if [ ! -f ui/dist/index.html ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
fi

report() {
  local file=$1
  echo "bundle-windows: $file"
  echo "  size   $(stat -c %s "$file") bytes ($(( $(stat -c %s "$file") / 1048576 )) MiB)"
  echo "  sha256 $(sha256sum "$file" | cut -d' ' -f1)"
}

if [ "$use_tauri" = 1 ]; then
  # What the Tauri bundler would download (its version's pins: tauri-bundler 2.10, in @tauri-apps/cli 2.12.5).
  plugin="${XDG_CACHE_HOME:-$HOME/.cache}/tauri/NSIS/Plugins/x86-unicode/additional/nsis_tauri_utils.dll"
  plugin_sha1=75197fee3c6a814fe035788d1c34ead39349b860
  if [ "$target" = x86_64-pc-windows-gnu ] \
    && { [ ! -f "$plugin" ] || [ "$(sha1sum "$plugin" | cut -d' ' -f1)" != "$plugin_sha1" ]; } \
    && ! curl -sfI --max-time 10 https://github.com >/dev/null 2>&1; then
    echo "bundle-windows: the Tauri bundler needs $plugin (nsis_tauri_utils v0.5.3, SHA-1 $plugin_sha1)"
    echo "  from GitHub, which cannot be reached from here; run without --tauri for Elevate's own installer."
    exit 2
  fi
  (cd scripts/tauri-cli && npm ci --no-audit --no-fund --loglevel=error)
  # The CLI goes in beside the tray app (bundle.externalBin wants it named for the target).
  cargo build --locked --target "$target" -p elevate-cli --bin elevate "${release_flag[@]}"
  mkdir -p src-tauri/binaries
  cp "$target_dir/$target/$profile/elevate.exe" "src-tauri/binaries/elevate-$target.exe"
  tauri_flags=()
  [ "$profile" = debug ] && tauri_flags=(--debug)
  (cd src-tauri && ../scripts/tauri-cli/node_modules/.bin/tauri build --target "$target" --bundles nsis \
    --config ../scripts/windows/tauri.bundle.json "${tauri_flags[@]}")
  for file in "$target_dir/$target/$profile/bundle/nsis/"*.exe; do report "$file"; done
  exit 0
fi

makensis=makensis
if ! command -v makensis >/dev/null 2>&1; then
  for candidate in "/c/Program Files (x86)/NSIS/makensis.exe" "/c/Program Files/NSIS/makensis.exe"; do
    [ -x "$candidate" ] && makensis=$candidate && break
  done
fi
command -v "$makensis" >/dev/null 2>&1 || [ -x "$makensis" ] \
  || { echo "bundle-windows: makensis not found (Debian: apt-get install nsis; Windows: NSIS 3)"; exit 1; }

cargo build --locked --target "$target" -p elevate-cli -p elevate-tray --bins "${release_flag[@]}"
bin="$target_dir/$target/$profile"
out_dir="$bin/bundle/nsis"
mkdir -p "$out_dir"
setup="$out_dir/Elevate_${version}_x64-setup.exe"

# makensis.exe on Windows wants Windows paths; Git Bash has cygpath for that.
native() { if command -v cygpath >/dev/null 2>&1; then cygpath -w "$1"; else printf '%s\n' "$1"; fi; }
defines=(-DVERSION="$version" -DBINDIR="$(native "$bin")" -DICONDIR="$(native "$PWD/icons")" -DOUTFILE="$(native "$setup")")
if [ -n "${WEBVIEW2_BOOTSTRAPPER:-}" ]; then
  [ -f "$WEBVIEW2_BOOTSTRAPPER" ] || { echo "bundle-windows: WEBVIEW2_BOOTSTRAPPER=$WEBVIEW2_BOOTSTRAPPER: no such file"; exit 1; }
  defines+=(-DWEBVIEW2_BOOTSTRAPPER="$(native "$(cd "$(dirname "$WEBVIEW2_BOOTSTRAPPER")" && pwd)/$(basename "$WEBVIEW2_BOOTSTRAPPER")")")
  echo "bundle-windows: WebView2's bootstrapper built in: $WEBVIEW2_BOOTSTRAPPER"
else
  echo "bundle-windows: no WEBVIEW2_BOOTSTRAPPER: where the runtime is missing, the installer says where to get it"
fi
"$makensis" -V2 "${defines[@]}" "$(native "$PWD/scripts/windows/installer.nsi")"
report "$setup"
