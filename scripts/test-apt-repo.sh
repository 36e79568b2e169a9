#!/usr/bin/env bash
# Tests scripts/apt-repo.sh with apt itself: a throw-away GPG key in a temporary GNUPGHOME signs a
# repository served on loopback; apt-get, with its own state, cache and source list in a temporary
# folder (the machine's apt setup is not touched), adds it with `signed-by=`, finds the package and
# downloads it; the same repository is refused when signed-by names another key, when Packages was
# changed after signing, and when InRelease was changed.
# The package is ELEVATE_DEB when set (the real .deb from scripts/package.sh), else a tiny one built
# here with dpkg-deb. Prints "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null
  gpgconf --homedir "$work/gnupg" --kill all 2>/dev/null
  gpgconf --homedir "$work/gnupg-other" --kill all 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
[ -z "${KEEP:-}" ] || trap - EXIT
passed=0
failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1"; failed=$((failed + 1)); }

# --- the package
if [ -n "${ELEVATE_DEB:-}" ]; then
  deb="$ELEVATE_DEB"
else
  pkg="$work/pkg"
  mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin"
  printf '#!/bin/sh\necho elevate test package\n' >"$pkg/usr/bin/elevate"
  chmod 0755 "$pkg/usr/bin/elevate"
  cat >"$pkg/DEBIAN/control" <<CONTROL
Package: elevate
Version: 0.1.0
Architecture: amd64
Maintainer: Elevate <elevate@example.invalid>
Description: test stand-in for Elevate's package (scripts/test-apt-repo.sh)
CONTROL
  deb="$work/elevate_0.1.0_amd64.deb"
  dpkg-deb --root-owner-group --build "$pkg" "$deb" >/dev/null
fi
deb_name="$(dpkg-deb --field "$deb" Package)"
deb_version="$(dpkg-deb --field "$deb" Version)"

# --- two throw-away keys
for home in gnupg gnupg-other; do
  mkdir -m 0700 "$work/$home"
  GNUPGHOME="$work/$home" gpg --batch --quiet --passphrase '' \
    --quick-gen-key "Elevate test $home <$home@example.invalid>" ed25519 sign 1d >/dev/null 2>&1
done
fpr() { GNUPGHOME="$work/$1" gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr/ {print $10; exit}'; }
GNUPGHOME="$work/gnupg-other" gpg --batch --export "$(fpr gnupg-other)" >"$work/other-keyring.gpg"

# --- the repository
if GNUPGHOME="$work/gnupg" ELEVATE_APT_SIGNING_KEY="$(fpr gnupg)" \
   bash "$root/scripts/apt-repo.sh" "$work/repo" "$deb" >"$work/apt-repo.log" 2>&1; then
  ok "apt-repo.sh lays out a signed repository"
else
  fail "apt-repo.sh: $(cat "$work/apt-repo.log")"
fi
for f in dists/stable/Release dists/stable/InRelease dists/stable/Release.gpg \
         dists/stable/main/binary-amd64/Packages elevate-archive-keyring.gpg; do
  [ -s "$work/repo/$f" ] || fail "missing $f"
done
if gpgv --keyring "$work/repo/elevate-archive-keyring.gpg" "$work/repo/dists/stable/InRelease" 2>/dev/null; then
  ok "InRelease verifies with the exported key"
else
  fail "InRelease does not verify with the exported key"
fi

# --- served on loopback
python3 -u -m http.server --bind 127.0.0.1 --directory "$work/serve" 0 >"$work/http.log" 2>&1 &
server_pid=$!
mkdir -p "$work/serve"
port=""
for _ in $(seq 50); do
  port="$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -1)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { fail "the loopback server did not start"; echo "$passed passed, $failed failed"; exit 1; }

# apt with everything private: state, lists, cache, sources, trusted keys.
apt_private() { # apt_private NAME apt-get|apt-cache ARGS...
  local name="$1" program="$2"; shift 2
  local d="$work/apt-$name"
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/parts" "$d/trusted.d" "$d/prefs.d"
  touch "$d/status"
  "$program" -q -o Dir::State="$d" -o Dir::State::Lists="$d/lists" -o Dir::State::status="$d/status" \
    -o Dir::Cache="$d/cache" -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts="$d/parts" \
    -o Dir::Etc::Trusted="$d/trusted.gpg" -o Dir::Etc::TrustedParts="$d/trusted.d" \
    -o Dir::Etc::PreferencesParts="$d/prefs.d" -o APT::Sandbox::User=root \
    -o Acquire::Languages=none -o APT::Architecture=amd64 -o APT::Architectures::=amd64 "$@"
}
# candidate NAME: the version apt would install from that setup ("none" when it knows no such package)
candidate() {
  local out
  out="$(apt_private "$1" apt-cache policy "$deb_name" 2>&1)" || { echo "apt-cache failed: $out"; return; }
  out="$(sed -n 's/^ *Candidate: //p' <<<"$out")"
  echo "${out:-none}"
}
# publish NAME: serves a copy of the repository as http://127.0.0.1:PORT/NAME/
publish() { cp -a "$work/repo" "$work/serve/$1"; }
sources() { # sources NAME KEYRING REPO
  mkdir -p "$work/apt-$1"
  echo "deb [signed-by=$2] http://127.0.0.1:$port/$3/ stable main" >"$work/apt-$1/sources.list"
}

publish good
sources good "$work/serve/good/elevate-archive-keyring.gpg" good
if apt_private good apt-get update >"$work/good-update.log" 2>&1 && ! grep -q '^[EW]:' "$work/good-update.log"; then
  ok "apt-get update accepts the repository with signed-by"
else
  fail "apt-get update on the good repository: $(cat "$work/good-update.log")"
fi
if [ "$(candidate good)" = "$deb_version" ]; then
  ok "apt finds $deb_name $deb_version"
else
  fail "apt does not find $deb_name: $(apt_private good apt-cache policy "$deb_name" 2>&1)"
fi
mkdir -p "$work/download"
if (cd "$work/download" && apt_private good apt-get download "$deb_name" >"$work/download.log" 2>&1) \
   && cmp -s "$work/download/$(basename "$(ls "$work/download"/*.deb 2>/dev/null | head -1)")" "$deb"; then
  ok "apt-get download fetches the same .deb"
else
  fail "apt-get download: $(cat "$work/download.log")"
fi

# Refused: signed-by names another key.
sources otherkey "$work/other-keyring.gpg" good
apt_private otherkey apt-get update >"$work/otherkey.log" 2>&1
if grep -q "NO_PUBKEY" "$work/otherkey.log" && [ "$(candidate otherkey)" = none ]; then
  ok "a repository signed by another key is refused"
else
  fail "another key was not refused: $(cat "$work/otherkey.log")"
fi

# Refused: Packages changed after signing (a tampered index).
publish tampered
sed -i "s/^Version: .*/Version: 9.9.9/" "$work/serve/tampered/dists/stable/main/binary-amd64/Packages"
gzip -9nc "$work/serve/tampered/dists/stable/main/binary-amd64/Packages" \
  >"$work/serve/tampered/dists/stable/main/binary-amd64/Packages.gz"
sources tampered "$work/serve/good/elevate-archive-keyring.gpg" tampered
apt_private tampered apt-get update >"$work/tampered.log" 2>&1
if grep -Eq "Hash Sum mismatch|File has unexpected size" "$work/tampered.log" && [ "$(candidate tampered)" = none ]; then
  ok "a Packages index changed after signing is refused"
else
  fail "a tampered Packages index was not refused: $(cat "$work/tampered.log")"
fi

# Refused: InRelease changed (its signature no longer matches).
publish forged
sed -i 's/^Label: Elevate$/Label: Forged/' "$work/serve/forged/dists/stable/InRelease"
rm -f "$work/serve/forged/dists/stable/Release" "$work/serve/forged/dists/stable/Release.gpg"
sources forged "$work/serve/good/elevate-archive-keyring.gpg" forged
apt_private forged apt-get update >"$work/forged.log" 2>&1
if grep -q "BADSIG" "$work/forged.log" && [ "$(candidate forged)" = none ]; then
  ok "an InRelease changed after signing is refused"
else
  fail "a forged InRelease was not refused: $(cat "$work/forged.log")"
fi

[ -n "${ELEVATE_DEB:-}" ] || echo "(the package was a stand-in built with dpkg-deb; set ELEVATE_DEB to test the real one)"
echo "apt repository: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
