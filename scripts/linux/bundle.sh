#!/usr/bin/env bash
# Builds Elevate's Linux packages (.deb and .rpm) with the Tauri bundler (the Tauri CLI from npm, pinned
# in scripts/tauri-cli/package.json) and scripts/linux/tauri.bundle.json:
#   /usr/bin/elevate-tray (the tray app), /usr/bin/elevate (the CLI, an external binary of the bundle),
#   a desktop entry and icons (32 to 256 px) made by the bundler, bash/zsh/fish completions from
#   `elevate completions`, the manual page elevate(1) from `elevate man`, and the dependencies.
# Usage: bash scripts/linux/bundle.sh [--debug]
#   release (default): the release profile (fat LTO: slow), what scripts/package.sh ships;
#   --debug: the same from the dev profile (quick when the workspace is built), what the test
#            (scripts/test-package.sh) installs.
# Both build the binaries with cargo and then run `tauri bundle` on them (what `tauri build` does).
# Prints the paths of the packages, one a line, on stdout (everything else goes to stderr).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

profile=release
if [ "${1:-}" = "--debug" ]; then profile=debug; fi
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
assets=src-tauri/binaries/linux
stage="$target_dir/linux-packages"

log() { echo "bundle: $*" >&2; }

# The Tauri CLI and the UI the tray app embeds.
prepare() {
  (cd scripts/tauri-cli && npm ci --no-audit --no-fund --loglevel=error) >&2
  if [ ! -f ui/dist/index.html ]; then
    (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent) >&2
  fi
}

# The CLI, built first: the bundle takes it as an external binary named for the target, and its
# completions and manual page come from running it.
# A debug bundle (the test command's) takes the binaries of the workspace build the test command has
# just made: building one package alone unifies other features and would compile most of the
# dependency tree again.
build_debug() {
  cargo build --locked --workspace --all-targets >&2
}

build_cli() {
  local flags=()
  if [ "$profile" = release ]; then
    flags+=(--release)
    cargo build --locked -p elevate-cli --bin elevate "${flags[@]}" >&2
  else
    build_debug
  fi
  mkdir -p src-tauri/binaries
  cp "$target_dir/$profile/elevate" "src-tauri/binaries/elevate-$triple"
  strip "src-tauri/binaries/elevate-$triple"
}

# Completions, manual page, icons and the copyright file, into src-tauri/binaries/linux (not in git).
make_assets() {
  local cli="src-tauri/binaries/elevate-$triple"
  rm -rf "$assets" && mkdir -p "$assets/completions" "$assets/icons"
  "$cli" completions bash >"$assets/completions/elevate.bash"
  "$cli" completions zsh >"$assets/completions/_elevate"
  "$cli" completions fish >"$assets/completions/elevate.fish"
  "$cli" man | gzip -9n >"$assets/elevate.1.gz"
  # 128 px is icons/icon.png as drawn; smaller ones are scaled down, 256 px drawn again at twice the size.
  cp icons/icon.png "$assets/icons/128x128.png"
  for size in 32 48 64; do
    convert icons/icon.png -filter Lanczos -resize "${size}x${size}" "PNG32:$assets/icons/${size}x${size}.png"
  done
  bash icons/draw.sh --app-icon 256 "$PWD/$assets/icons/256x256.png"
  local version
  version="$(cargo metadata --no-deps --format-version 1 --locked |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="elevate-tray"))')"
  # Debian wants a changelog in its own format; the project's is CHANGELOG.md (installed beside it).
  gzip -9n >"$assets/changelog.gz" <<CHANGELOG
elevate ($version) unstable; urgency=medium

  * Elevate $version: see /usr/share/doc/elevate/CHANGELOG.md.gz for what it brings.

 -- Elevate maintainers <maintainers@elevate.invalid>  $(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}")
CHANGELOG
  gzip -9nc CHANGELOG.md >"$assets/CHANGELOG.md.gz"
  cat >"$assets/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Elevate
Comment: Elevate $version, built from its source repository.

Files: *
Copyright: 2026 Elevate's authors
License: MIT or Apache-2.0
 Elevate may be used under either license, at your option.
 .
 On Debian systems, the full text of the Apache License 2.0 can be found in
 /usr/share/common-licenses/Apache-2.0. The MIT license: Permission is hereby
 granted, free of charge, to any person obtaining a copy of this software, to
 deal in the software without restriction, subject to including the copyright
 notice and this permission notice in all copies or substantial portions. The
 software is provided "as is", without warranty of any kind.
COPYRIGHT
}

# The tray app and the packages. The bundler patches the binary it packs (it writes the package type
# into it), so it gets a copy in a target dir of its own (the shared one may have the original running).
bundle() {
  local cli_tauri=../scripts/tauri-cli/node_modules/.bin/tauri
  local config=../scripts/linux/tauri.bundle.json
  local flags=() bundle_flags=()
  if [ "$profile" = release ]; then
    # What `tauri build` passes: the UI served from inside the binary by its custom protocol. (The dev
    # build serves the same embedded ui/dist without it, and is the one the other tests run.)
    flags+=(--release --features custom-protocol)
  else
    bundle_flags+=(--debug)
  fi
  if [ "$profile" = release ]; then
    cargo build --locked -p elevate-tray --bin elevate-tray "${flags[@]}" >&2
  else
    build_debug
  fi
  rm -rf "$stage" && mkdir -p "$stage/$profile"
  cp "$target_dir/$profile/elevate-tray" "$stage/$profile/elevate-tray"
  # Stripped, as Debian's policy wants (lintian's unstripped-binary-or-object is an error). The bundler
  # then cannot write the package type into the binary (it finds the place by a symbol), and warns so;
  # Tauri's updater reads that type, the Linux packages do not update through it.
  strip "$stage/$profile/elevate-tray"
  (cd src-tauri && CARGO_TARGET_DIR="$stage" "$cli_tauri" bundle "${bundle_flags[@]}" --bundles deb,rpm \
    --config "$config" --ci) >&2
  ls -1 "$stage/$profile/bundle/deb/"*.deb "$stage/$profile/bundle/rpm/"*.rpm
}

prepare
build_cli
make_assets
bundle
