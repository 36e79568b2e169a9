#!/usr/bin/env bash
# Draws Elevate's icons with ImageMagick (RGBA PNG). The tray icons are a filled disc with an upward
# chevron; each state has its own colour, and a dark rim plus a light chevron keep them readable on light
# and dark panels. Run from anywhere: bash icons/draw.sh
set -euo pipefail
cd "$(dirname "$0")"
# The app icon, drawn on a 128 px grid scaled by k (the Linux packages want 256 px too).
app_icon() { # size out
  local k=$(( $1 / 128 )) out=$2
  convert -size "$1x$1" xc:none -fill '#0969da' -stroke '#0a3069' -strokewidth $((4 * k)) \
    -draw "roundrectangle $((6 * k)),$((6 * k)) $((121 * k + k - 1)),$((121 * k + k - 1)) $((26 * k)),$((26 * k))" \
    -fill none -stroke '#ffffff' -strokewidth $((14 * k)) \
    -draw "stroke-linecap round line $((34 * k)),$((84 * k)) $((64 * k)),$((50 * k))" \
    -draw "stroke-linecap round line $((64 * k)),$((50 * k)) $((94 * k)),$((84 * k))" "PNG32:$out"
}
# bash icons/draw.sh --app-icon SIZE OUT: only the app icon, SIZE a multiple of 128 (scripts/linux/bundle.sh).
if [ "${1:-}" = --app-icon ]; then
  app_icon "$2" "$3"
  exit 0
fi
mkdir -p tray
disc() { # name fill [badge]
  local name=$1 fill=$2 badge=${3:-}
  local args=(-size 64x64 xc:none
    -fill "$fill" -stroke '#1b1f24' -strokewidth 3 -draw 'circle 32,32 32,3'
    -fill none -stroke '#ffffff' -strokewidth 7 -draw 'stroke-linecap round line 18,40 32,24' -draw 'stroke-linecap round line 32,24 46,40')
  case "$badge" in
    dot) args+=(-fill '#ffffff' -stroke '#1b1f24' -strokewidth 2 -draw 'circle 52,12 52,3') ;;
    bang) args+=(-fill '#ffffff' -stroke none -draw 'rectangle 29,44 35,50') ;;
    ring) args=(-size 64x64 xc:none
      -fill '#d0d4d9' -stroke '#1b1f24' -strokewidth 3 -draw 'circle 32,32 32,3'
      -fill none -stroke '#1b1f24' -strokewidth 7 -draw 'stroke-linecap round line 18,40 32,24' -draw 'stroke-linecap round line 32,24 46,40') ;;
  esac
  convert "${args[@]}" "PNG32:tray/$name.png"
}
disc idle '#57606a'
disc elevated '#1f883d'
disc expiring '#bf8700'
disc approval '#8250df' dot
disc error '#cf222e' bang
disc signed-out '' ring
app_icon 128 icon.png
# Windows: the exe's and the installer's icon, icon.png inside an .ico (a PNG entry, as Windows Vista
# and later read them).
python3 - <<'PY'
import struct
png = open("icon.png", "rb").read()
width, height = struct.unpack(">II", png[16:24])
entry = struct.pack("<BBBBHHII", width % 256, height % 256, 0, 0, 1, 32, len(png), 6 + 16)
open("icon.ico", "wb").write(struct.pack("<HHH", 0, 1, 1) + entry + png)
PY
