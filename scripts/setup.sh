#!/usr/bin/env bash
# Installs what building and testing Elevate needs on Debian/Ubuntu, skipping what is already there.
# Safe to run again. Uses sudo when not root.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v curl >/dev/null 2>&1 || need_apt+=(curl ca-certificates)
# A private D-Bus session for the desktop-notification tests.
command -v dbus-daemon >/dev/null 2>&1 || need_apt+=(dbus)
# sign-in tests: gnome-keyring (a real Secret Service, started by the tests on a private bus),
# secret-tool (to look into it), node + npm (the test OIDC provider in tests/op).
command -v gnome-keyring-daemon >/dev/null 2>&1 || need_apt+=(gnome-keyring)
command -v secret-tool >/dev/null 2>&1 || need_apt+=(libsecret-tools)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
# The signed apt repository (scripts/apt-repo.sh) and its test: dpkg-scanpackages, gpg, python3's
# http.server on loopback.
command -v dpkg-scanpackages >/dev/null 2>&1 || need_apt+=(dpkg-dev)
command -v gpg >/dev/null 2>&1 || need_apt+=(gnupg)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# The tray app (Tauri 2 on WebKitGTK) and its tests: build libraries, a headless X server, and the
# WebDriver for WebKit that tauri-driver drives; xwininfo (x11-utils) to see which windows are shown.
for pkg in libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev libxdo-dev \
           xvfb xauth webkit2gtk-driver at-spi2-core x11-utils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
# The Linux packages (scripts/linux/bundle.sh, scripts/test-package.sh): rpmbuild for the .rpm,
# ImageMagick for the icon sizes, lintian to check the .deb.
command -v rpmbuild >/dev/null 2>&1 || need_apt+=(rpm)
[ -x /usr/bin/convert ] || need_apt+=(imagemagick)
command -v lintian >/dev/null 2>&1 || need_apt+=(lintian)
# The Windows step (scripts/test-windows.sh sets ELEVATE_SETUP_WINDOWS=1): MinGW-w64 to cross-build,
# Wine to run the .exe files, NSIS for the installer.
if [ -n "${ELEVATE_SETUP_WINDOWS:-}" ]; then
  command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need_apt+=(gcc-mingw-w64-x86-64)
  [ -x /usr/lib/wine/wine64 ] || need_apt+=(wine64)
  command -v makensis >/dev/null 2>&1 || need_apt+=(nsis)
  # NSIS installers are 32-bit programs: Wine runs them with its i386 half.
  if ! dpkg -s wine32:i386 >/dev/null 2>&1; then
    dpkg --print-foreign-architectures | grep -qx i386 || $SUDO dpkg --add-architecture i386
    need_apt+=(wine32:i386)
  fi
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# sign-in tests: the test OIDC provider's packages, exactly as pinned in tests/op/package-lock.json.
op_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/op"
if [ ! -d "$op_dir/node_modules/oidc-provider" ]; then
  echo "setup: npm ci in tests/op (oidc-provider for the sign-in tests)"
  (cd "$op_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi

# The lint step's tools (a minimal rustup profile has neither).
for component in clippy rustfmt; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    echo "setup: adding the Rust component $component"
    rustup component add "$component"
  fi
done

# The corporate-network test (tests/cli/cli_login.rs): mitmproxy, pinned, in its own venv, as a
# TLS-inspecting proxy on loopback. 11.0.2 is the last release that runs on Python 3.10/3.11.
mitm_venv="${XDG_CACHE_HOME:-$HOME/.cache}/elevate/mitmproxy-11.0.2"
if [ ! -x "$mitm_venv/bin/mitmdump" ]; then
  command -v python3 >/dev/null 2>&1 || { $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3; }
  python3 -c 'import venv, ensurepip' 2>/dev/null || { $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv; }
  echo "setup: installing mitmproxy 11.0.2 in $mitm_venv"
  python3 -m venv "$mitm_venv"
  "$mitm_venv/bin/pip" install --quiet --disable-pip-version-check mitmproxy==11.0.2
fi
command -v openssl >/dev/null 2>&1 || { $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends openssl; }

# tauri-driver: the WebDriver front for the tray app's end-to-end tests.
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --version '^2' --locked --quiet
fi

# The Windows step's Rust target.
if [ -n "${ELEVATE_SETUP_WINDOWS:-}" ] && ! rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu; then
  echo "setup: adding the Rust target x86_64-pc-windows-gnu"
  rustup target add x86_64-pc-windows-gnu
fi
