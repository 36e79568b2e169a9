#!/usr/bin/env bash
# Writes a signed update feed for one release, in the Tauri updater's format:
#   scripts/update-feed.sh OUT_DIR VERSION BASE_URL PLATFORM=FILE...
# e.g. scripts/update-feed.sh dist/feed 0.2.0 https://downloads.example/elevate/0.2.0 \
#        linux-x86_64=elevate_0.2.0_amd64.deb windows-x86_64=Elevate_0.2.0_x64-setup.exe
# Each FILE is copied to OUT_DIR and signed (FILE.sig); OUT_DIR/latest.json lists them with their
# signatures and URLs (BASE_URL/<file name>) and is itself signed (latest.json.sig). Every signature
# is `tauri signer sign --app-version VERSION` (minisign; the trusted comment names the file and the
# version), which the tray app checks before reading anything (elevate-app's `updates`).
# The key comes from the environment, as the Tauri CLI takes it: TAURI_SIGNING_PRIVATE_KEY (the key
# text) or TAURI_SIGNING_PRIVATE_KEY_PATH, and TAURI_SIGNING_PRIVATE_KEY_PASSWORD (empty if none).
# Optional: CHANNEL (default stable), NOTES (release notes text), RELEASE_PAGE (an https: URL).
# Publish OUT_DIR's files at BASE_URL and latest.json + latest.json.sig at the channel's feed URL.
set -euo pipefail

if [ "$#" -lt 4 ]; then
  echo "usage: $0 OUT_DIR VERSION BASE_URL PLATFORM=FILE..." >&2
  exit 2
fi
if [ -z "${TAURI_SIGNING_PRIVATE_KEY:-}" ] && [ -z "${TAURI_SIGNING_PRIVATE_KEY_PATH:-}" ]; then
  echo "update-feed: set TAURI_SIGNING_PRIVATE_KEY or TAURI_SIGNING_PRIVATE_KEY_PATH to the update signing key" >&2
  exit 2
fi
export TAURI_SIGNING_PRIVATE_KEY_PASSWORD="${TAURI_SIGNING_PRIVATE_KEY_PASSWORD:-}"
here="$(cd "$(dirname "$0")" && pwd)"
out="$1" version="${2#v}" base="${3%/}"
shift 3
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; then
  echo "update-feed: $version is not a semantic version (X.Y.Z)" >&2
  exit 2
fi

tauri="$here/tauri-cli/node_modules/.bin/tauri"
if [ ! -x "$tauri" ]; then
  (cd "$here/tauri-cli" && npm ci --no-audit --no-fund --loglevel=error)
fi
sign() { "$tauri" signer sign --app-version "$version" "$1" </dev/null >/dev/null; }

mkdir -p "$out"
entries=()
for pair in "$@"; do
  platform="${pair%%=*}" file="${pair#*=}"
  if [ "$platform" = "$pair" ] || [ ! -f "$file" ]; then
    echo "update-feed: expected PLATFORM=FILE with an existing file, got $pair" >&2
    exit 2
  fi
  name="$(basename "$file")"
  [ "$(cd "$(dirname "$file")" && pwd)/$name" = "$(cd "$out" && pwd)/$name" ] || cp -f "$file" "$out/$name"
  sign "$out/$name"
  entries+=("$platform" "$base/$name" "$(cat "$out/$name.sig")")
done

CHANNEL="${CHANNEL:-stable}" VERSION="$version" python3 - "$out/latest.json" "${entries[@]}" <<'PY'
import json, os, sys
from datetime import datetime, timezone
out, rest = sys.argv[1], sys.argv[2:]
platforms = {rest[i]: {"url": rest[i + 1], "signature": rest[i + 2]} for i in range(0, len(rest), 3)}
feed = {
    "version": os.environ["VERSION"],
    "notes": os.environ.get("NOTES", ""),
    "pub_date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "platforms": platforms,
    "app": "elevate",
    "channel": os.environ["CHANNEL"],
}
if os.environ.get("RELEASE_PAGE"):
    feed["release_page"] = os.environ["RELEASE_PAGE"]
with open(out, "w") as f:
    json.dump(feed, f, indent=2)
    f.write("\n")
PY
sign "$out/latest.json"
echo "update feed: $out/latest.json (+ .sig), Elevate $version, channel ${CHANNEL:-stable}, $(( $# )) platform(s)"
