#!/usr/bin/env bash
# Lays out a signed apt repository of Elevate's .deb files, for organisations that deploy through apt:
#   scripts/apt-repo.sh OUT_DIR PACKAGE.deb...
# writes OUT_DIR/pool/main/<letter>/<name>/*.deb, OUT_DIR/dists/$SUITE/main/binary-<arch>/Packages(.gz),
# OUT_DIR/dists/$SUITE/Release with its signatures InRelease (clear-signed) and Release.gpg (detached),
# and OUT_DIR/elevate-archive-keyring.gpg, the public key that clients name with `signed-by=`.
# The signing key comes from the environment: ELEVATE_APT_SIGNING_KEY names it (fingerprint, id or
# e-mail) in the keyring of GNUPGHOME (default ~/.gnupg); ELEVATE_APT_SIGNING_PASSPHRASE unlocks it
# when it has a passphrase. SUITE defaults to `stable`. Run it again to add versions: the pool is
# kept and the indexes are written anew.
# Needs dpkg-scanpackages (dpkg-dev) and gpg (gnupg).
set -euo pipefail

if [ "$#" -lt 2 ]; then
  echo "usage: $0 OUT_DIR PACKAGE.deb..." >&2
  exit 2
fi
: "${ELEVATE_APT_SIGNING_KEY:?set ELEVATE_APT_SIGNING_KEY to the signing key in the GNUPGHOME keyring}"
out="$1"
shift
suite="${SUITE:-stable}"
component=main

mkdir -p "$out"
out="$(cd "$out" && pwd)"
for deb in "$@"; do
  name="$(dpkg-deb --field "$deb" Package)"
  dir="$out/pool/$component/${name:0:1}/$name"
  mkdir -p "$dir"
  cp -f "$deb" "$dir/"
done

# One Packages index per architecture found in the pool (arch "all" goes into each).
cd "$out"
arches="$(find pool -name '*.deb' -exec dpkg-deb --field {} Architecture \; | sort -u | grep -vx all || true)"
[ -n "$arches" ] || arches=amd64
rm -rf "dists/$suite"
for arch in $arches; do
  bin="dists/$suite/$component/binary-$arch"
  mkdir -p "$bin"
  dpkg-scanpackages --multiversion --arch "$arch" pool /dev/null 2>/dev/null >"$bin/Packages"
  gzip -9nc "$bin/Packages" >"$bin/Packages.gz"
done

# The Release file: what the suite holds and the checksums of every index.
release="dists/$suite/Release"
{
  echo "Origin: Elevate"
  echo "Label: Elevate"
  echo "Suite: $suite"
  echo "Codename: $suite"
  echo "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
  echo "Architectures: $(echo $arches)"
  echo "Components: $component"
  echo "Description: Elevate, just-in-time Azure PIM role activation"
  for tool in sha256sum sha512sum; do
    if [ "$tool" = sha256sum ]; then echo "SHA256:"; else echo "SHA512:"; fi
    (cd "dists/$suite" && find "$component" -type f | sort | while read -r f; do
      hash="$("$tool" "$f")"
      printf ' %s %s %s\n' "${hash%% *}" "$(stat -c %s "$f")" "$f"
    done)
  done
} >"$release"

gpg_sign=(gpg --batch --yes --pinentry-mode loopback --local-user "$ELEVATE_APT_SIGNING_KEY")
if [ -n "${ELEVATE_APT_SIGNING_PASSPHRASE:-}" ]; then
  gpg_sign+=(--passphrase-fd 3)
  exec 3<<<"$ELEVATE_APT_SIGNING_PASSPHRASE"
fi
"${gpg_sign[@]}" --clearsign --digest-algo SHA512 -o "dists/$suite/InRelease" "$release"
[ -z "${ELEVATE_APT_SIGNING_PASSPHRASE:-}" ] || exec 3<<<"$ELEVATE_APT_SIGNING_PASSPHRASE"
"${gpg_sign[@]}" --detach-sign --digest-algo SHA512 -o "dists/$suite/Release.gpg" "$release"
gpg --batch --yes --export "$ELEVATE_APT_SIGNING_KEY" >elevate-archive-keyring.gpg
[ -s elevate-archive-keyring.gpg ] || { echo "apt-repo: no public key for $ELEVATE_APT_SIGNING_KEY" >&2; exit 1; }

echo "apt repository: $out (suite $suite, $(echo $arches))"
echo "clients: put elevate-archive-keyring.gpg in /usr/share/keyrings/ and add /etc/apt/sources.list.d/elevate.sources:"
echo "  Types: deb"
echo "  URIs: https://<where OUT_DIR is served>/"
echo "  Suites: $suite"
echo "  Components: $component"
echo "  Signed-By: /usr/share/keyrings/elevate-archive-keyring.gpg"
