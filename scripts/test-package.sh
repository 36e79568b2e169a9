#!/usr/bin/env bash
# The Linux package, tested as installed: builds the .deb and .rpm from the dev build (the release
# profile's fat LTO would take far too long here; scripts/package.sh ships release), checks the .deb with
# lintian (no errors allowed), installs it for real with apt-get (root needed: as on CI), checks where
# its files went, runs the installed programs through the end-to-end tests (ELEVATE_BIN points them at
# /usr/bin: `elevate --demo` for roles, activation and its version; `elevate-tray --demo` with its menu
# over D-Bus under Xvfb, signing in from it), and removes the package again, checking that nothing of it stays.
# Part of scripts/test.sh; run alone with: bash scripts/test-package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

started=$(date +%s)
packages="$(bash scripts/linux/bundle.sh --debug)"
deb="$(grep '\.deb$' <<<"$packages")"
rpm="$(grep '\.rpm$' <<<"$packages")"
echo "test-package: built in $(( $(date +%s) - started )) s: $deb, $rpm"

fail() { echo "test-package: FAIL: $*" >&2; exit 1; }

# The .rpm: readable by rpm, with the same programs and the declared dependencies.
rpm_files="$(rpm -qlp "$rpm" 2>/dev/null)"
for path in /usr/bin/elevate /usr/bin/elevate-tray /usr/share/man/man1/elevate.1.gz \
            /usr/share/bash-completion/completions/elevate; do
  grep -qx "$path" <<<"$rpm_files" || fail "$path missing from the .rpm"
done
rpm -qRp "$rpm" 2>/dev/null | grep -q 'libwebkit2gtk-4\.1' || fail "the .rpm does not require WebKitGTK 4.1"

# lintian: errors fail the test; warnings are shown.
lintian_out="$(lintian "$deb" 2>&1 | grep -v '^running with root' || true)"
[ -z "$lintian_out" ] || echo "$lintian_out"
if grep -q '^E:' <<<"$lintian_out"; then fail "lintian reports errors for $deb"; fi

# Install for real (apt-get resolves the declared dependencies, which the build machine has).
if dpkg -s elevate >/dev/null 2>&1; then fail "a package named elevate is installed already; remove it first"; fi
remove() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq elevate >/dev/null || true; }
trap remove EXIT
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$deb" >/dev/null

for path in /usr/bin/elevate /usr/bin/elevate-tray /usr/share/applications/Elevate.desktop \
            /usr/share/icons/hicolor/32x32/apps/elevate-tray.png \
            /usr/share/icons/hicolor/256x256/apps/elevate-tray.png \
            /usr/share/man/man1/elevate.1.gz /usr/share/bash-completion/completions/elevate \
            /usr/share/zsh/vendor-completions/_elevate /usr/share/fish/vendor_completions.d/elevate.fish; do
  [ -e "$path" ] || fail "$path not installed"
done
grep -qx 'Exec=elevate-tray' /usr/share/applications/Elevate.desktop || fail "the desktop entry does not start elevate-tray"
# Start at login stays off: the package puts nothing into autostart.
if dpkg -L elevate | grep -q autostart; then fail "the package installs an autostart entry"; fi
# The manual page is a manual page, and the completions complete elevate's commands.
zcat /usr/share/man/man1/elevate.1.gz | grep -q '^\.TH elevate 1' || fail "elevate.1 is not a manual page"
bash -c 'source /usr/share/bash-completion/completions/elevate && complete -p elevate' >/dev/null ||
  fail "the bash completion does not register for elevate"
grep -q 'activate' /usr/share/fish/vendor_completions.d/elevate.fish || fail "the fish completion lacks activate"

# The installed programs, through the end-to-end tests.
# --workspace: the same feature set as the workspace build, so nothing is compiled again.
ELEVATE_BIN=/usr/bin/elevate cargo test --locked --workspace --test cli --test tray -- \
  --test-threads 1 \
  cli_demo::roles_lists_the_demo_tenant_with_the_documented_fields \
  cli_demo::activate_then_active_then_deactivate_across_runs \
  cli_demo::the_version_is_the_workspace_version_everywhere \
  tray_menu::signed_out_the_menu_offers_sign_in_which_signs_in_through_the_browser

trap - EXIT
DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq elevate >/dev/null
for path in /usr/bin/elevate /usr/bin/elevate-tray /usr/share/applications/Elevate.desktop; do
  [ ! -e "$path" ] || fail "$path still there after removing the package"
done
echo "test-package: PASS in $(( $(date +%s) - started )) s"
