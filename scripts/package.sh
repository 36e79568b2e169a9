#!/usr/bin/env bash
# Builds everything shippable, from the release profile, and lists it with sizes and SHA-256 checksums:
#   - the Linux packages, .deb and .rpm (scripts/linux/bundle.sh);
#   - the Windows installer (scripts/bundle-windows.sh), where it can be built: the Tauri bundler downloads
#     an NSIS plugin and WebView2's installer, so on a machine that cannot reach them this step says why
#     and is skipped (the rest still ships).
# Usage: bash scripts/package.sh    (output: $CARGO_TARGET_DIR or target/, listed at the end)
# Each step is a function; steps that use what the earlier ones made go after them in main.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
source scripts/setup.sh

artifacts=()

linux_packages() {
  local started=$SECONDS out
  out="$(bash scripts/linux/bundle.sh)"
  mapfile -t -O "${#artifacts[@]}" artifacts <<<"$out"
  echo "package: Linux packages in $(( SECONDS - started )) s"
}

windows_installer() {
  local started=$SECONDS out rc=0
  out="$(bash scripts/bundle-windows.sh 2>&1)" || rc=$?
  if [ "$rc" -eq 2 ]; then
    echo "package: no Windows installer from this machine:"
    sed 's/^/  /' <<<"$out" | grep 'bundle-windows:' -A5
    return 0
  elif [ "$rc" -ne 0 ]; then
    echo "$out" >&2
    echo "package: the Windows installer failed (rc $rc)" >&2
    return "$rc"
  fi
  # bundle-windows.sh ends with "bundle-windows: PATH" for the installer.
  mapfile -t -O "${#artifacts[@]}" artifacts < <(grep '\.exe$' <<<"$out" | tail -n 1 | sed -E 's/^.*bundle-windows:[[:space:]]*//')
  echo "package: Windows installer in $(( SECONDS - started )) s"
}

summary() {
  echo
  echo "package: what ships"
  local file
  for file in "${artifacts[@]}"; do
    printf '  %s\n    %s bytes  sha256 %s\n' "$file" "$(stat -c %s "$file")" "$(sha256sum "$file" | cut -d' ' -f1)"
  done
}

main() {
  linux_packages
  windows_installer
  summary
}

main "$@"
