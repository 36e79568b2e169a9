#!/usr/bin/env bash
# The Windows step of the tests: cross-builds elevate.exe and elevate-tray.exe for x86_64-pc-windows-gnu
# (MinGW-w64) and runs the CLI under Wine in a throw-away prefix: the demo end to end, `elevate.exe sim`
# answering requests from the Linux side, and a real sign-in against that simulator whose key goes
# into Wine's Credential Manager, and a managed configuration from the registry
# (HKLM/HKCU\SOFTWARE\Policies\Elevate). Each check asserts; the last line is `wine: N passed, M failed`, and
# the exit code is non-zero on any failure. Installs what it needs through scripts/setup.sh.
#
# Wine 8 lacks bcryptprimitives.dll (Rust's standard library takes ProcessPrng from it); a stand-in
# built here from scripts/windows/bcryptprimitives.c goes next to the .exe. Windows 10 and later have
# the real one.
set -euo pipefail
cd "$(dirname "$0")/.."
ELEVATE_SETUP_WINDOWS=1 source scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

target=x86_64-pc-windows-gnu
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver

# The tray app embeds ui/dist.
if [ ! -f ui/dist/index.html ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
fi

echo "== windows: build ($target)"
started=$(date +%s)
cargo build --locked --target "$target" -p elevate-cli -p elevate-tray --bins
echo "windows: build took $(( $(date +%s) - started )) s"
bin="$target_dir/$target/debug"
for exe in elevate.exe elevate-tray.exe; do
  [ -f "$bin/$exe" ] || { echo "windows: $bin/$exe was not built"; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  WINEPREFIX="$work/prefix" "$wineserver" -k 2>/dev/null || true
  # Wine's own services (plugplay, services.exe) can outlive the server; end those of this prefix only.
  for proc in /proc/[0-9]*; do
    if tr '\0' '\n' 2>/dev/null <"$proc/environ" | grep -qxF "WINEPREFIX=$work/prefix"; then
      kill -9 "${proc#/proc/}" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

app="$work/app"
mkdir -p "$app"
# elevate-tray.exe loads WebView2Loader.dll (built by webview2-com-sys for the GNU target; the
# installer ships it beside the exe).
cp "$bin/elevate.exe" "$bin/elevate-tray.exe" "$bin/WebView2Loader.dll" "$app/"
x86_64-w64-mingw32-gcc -shared -O2 -o "$app/bcryptprimitives.dll" \
  scripts/windows/bcryptprimitives.c scripts/windows/bcryptprimitives.def -ladvapi32

export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEARCH=win64
# No Gecko or Mono installer prompts while the prefix is made.
# winemenubuilder off: the Start-menu shortcut must not become a .desktop file in the real home.
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
# A private X server: Wine's desktop (and so the tray app's notification-area icon) needs a display.
unset WAYLAND_DISPLAY
Xvfb -displayfd 3 -screen 0 1024x768x24 3>"$work/display" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=":$(cat "$work/display")"
echo "== windows: Wine prefix"
"$wine" wineboot --init >/dev/null 2>&1 || true
user_dir=$(find "$WINEPREFIX/drive_c/users" -mindepth 1 -maxdepth 1 -type d ! -name Public | head -n 1)

passed=0
failed=0
out="$work/out"
err="$work/err"
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() {
  failed=$((failed + 1)); echo "FAIL $1"
  sed -n '1,15p' "$out" "$err" 2>/dev/null | sed 's/^/     | /'
}
# run ARGS…: elevate.exe under Wine; stdout in $out, stderr in $err; returns its exit code.
run() { "$wine" "$app/elevate.exe" "$@" >"$out" 2>"$err" </dev/null; }
# js EXPR: evaluates EXPR with `d` the JSON of $out; succeeds if it is true.
js() { node -e "const d = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); process.exit(($1) ? 0 : 1)" "$out"; }

echo "== windows: the CLI under Wine"
if run --version && grep -q '^elevate ' "$out"; then pass "elevate.exe --version"; else fail "elevate.exe --version"; fi
if run --demo reset; then pass "--demo reset"; else fail "--demo reset"; fi
if run --demo roles --json \
  && js "Array.isArray(d) && d.length >= 10 && d.some(r => r.role === 'Contributor' && /Contoso Development/.test(r.scope_name)) && ['azure-resource','entra-role','group'].every(s => d.some(r => r.source === s))"; then
  pass "--demo roles --json: the demo tenant's roles from all three sources"
else
  fail "--demo roles --json"
fi

if [ -d "$user_dir/AppData/Local/elevate/demo" ]; then
  pass "demo data lives in %LOCALAPPDATA%\\elevate"
else
  fail "demo data lives in %LOCALAPPDATA%\\elevate (looked in $user_dir/AppData/Local/elevate)"
fi

reason="Wine check $$"
if run --demo activate 'Contributor@Contoso Development' --for 2h --reason "$reason" --json \
  && js "JSON.stringify(d).includes('Contributor')"; then
  pass "--demo activate Contributor@Contoso Development with a reason"
else
  fail "--demo activate with a reason"
fi

if run --demo active --json \
  && js "Array.isArray(d) && d.some(g => g.role === 'Contributor' && /Contoso Development/.test(g.scope_name))"; then
  pass "--demo active --json: the role is active"
else
  fail "--demo active --json"
fi

if run --demo history --csv && head -n 1 "$out" | grep -qi 'role' && grep -q "$reason" "$out"; then
  pass "--demo history --csv: the activation with its reason"
else
  fail "--demo history --csv"
fi

if run --demo approvals --json && js "Array.isArray(d) && d.length >= 1"; then
  pass "--demo approvals: requests wait for the demo user"
else
  fail "--demo approvals"
fi

if run --demo whoami --json && js "Array.isArray(d.accounts) && d.accounts.length === 1"; then
  pass "--demo whoami: signed in at the embedded simulator"
else
  fail "--demo whoami"
fi

echo "== windows: managed configuration from the registry"
# An organisation's policy, as Group Policy writes it: HKLM locks the default duration, HKCU gives
# presets as a default. elevate.exe shows both and refuses to change the locked one.
unset ELEVATE_MANAGED_CONFIG
reg() { "$wine" reg "$@" >/dev/null 2>&1 || echo "windows: wine reg $1 $2 failed"; }
reg add 'HKLM\SOFTWARE\Policies\Elevate' /v activation.default_duration /t REG_SZ /d 2h /f
reg add 'HKLM\SOFTWARE\Policies\Elevate' /v locked /t REG_MULTI_SZ /d 'activation.default_duration' /f
reg add 'HKCU\SOFTWARE\Policies\Elevate' /v activation.justification_presets /t REG_MULTI_SZ /d 'Change request\0Incident' /f
reg add 'HKCU\SOFTWARE\Policies\Elevate' /v notifications.warn_before_minutes /t REG_SZ /d '[30, 10]' /f
setting() { js "d.settings.some(s => s.key === '$1' && ($2))"; }
if run config show --json \
  && setting activation.default_duration "s.value === '2h' && s.locked && s.managed_by === 'HKLM\\\\SOFTWARE\\\\Policies\\\\Elevate'" \
  && setting activation.justification_presets "s.value === 'Change request; Incident' && !s.locked && /HKCU/.test(s.from)" \
  && setting notifications.warn_before_minutes "s.value === '30,10'"; then
  pass "config show: the registry's managed values (HKLM locked, HKCU default)"
else
  fail "config show: the registry's managed values"
fi
if run config set activation.default_duration 3h; then
  fail "config set of a locked setting is refused"
elif grep -qF 'activation.default_duration is managed by your organisation (HKLM\SOFTWARE\Policies\Elevate)' "$err"; then
  pass "config set of a locked setting is refused, naming HKLM\\SOFTWARE\\Policies\\Elevate"
else
  fail "config set of a locked setting is refused with the managing key"
fi
if run config set activation.justification_presets 'Mine' && run config show --json \
  && setting activation.justification_presets "s.value === 'Mine' && s.from === 'yours'"; then
  pass "an unlocked managed default yields to the user's config.toml"
else
  fail "an unlocked managed default yields to the user's config.toml"
fi
reg add 'HKLM\SOFTWARE\Policies\Elevate' /v cloud /t REG_SZ /d mars /f
if run config show --json && grep -q 'HKLM' "$err" && js "/not usable/.test(d.managed_problem) && d.settings.some(s => s.key === 'activation.default_duration' && !s.locked)"; then
  pass "a policy Elevate cannot use is reported and ignored; the user's settings apply"
else
  fail "a policy Elevate cannot use is reported and ignored"
fi
reg delete 'HKLM\SOFTWARE\Policies\Elevate' /f
reg delete 'HKCU\SOFTWARE\Policies\Elevate' /f
rm -f "$user_dir/AppData/Roaming/elevate/config.toml"

echo "== windows: elevate.exe sim, asked from Linux"
sim_out="$work/sim.out"
"$wine" "$app/elevate.exe" sim --json --listen 127.0.0.1:0 --state 'C:\sim-state.json' >"$sim_out" 2>"$work/sim.err" </dev/null &
pids+=($!)
url=""
for _ in $(seq 1 150); do
  url=$(node -e "try { const l = require('fs').readFileSync(process.argv[1], 'utf8').split('\n')[0]; console.log(JSON.parse(l).url || '') } catch { }" "$sim_out")
  [ -n "$url" ] && break
  sleep 0.2
done
if [ -n "$url" ]; then pass "elevate.exe sim listens ($url)"; else out="$sim_out" err="$work/sim.err" fail "elevate.exe sim listens"; fi

if [ -n "$url" ]; then
  token=$(curl -s -X POST -H 'Content-Type: application/json' -d '{}' "$url/_sim/token" \
    | node -e "let s=''; process.stdin.on('data', c => s += c).on('end', () => console.log(JSON.parse(s).access_token || ''))")
  curl -s -H "Authorization: Bearer $token" \
    "$url/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01&\$filter=asTarget()" >"$out"
  if js "Array.isArray(d.value) && d.value.length >= 1 && d.value.every(v => v.properties && v.properties.roleDefinitionId)"; then
    pass "elevate.exe sim answers ARM's eligibility list to curl on Linux"
  else
    fail "elevate.exe sim answers ARM's eligibility list"
  fi

  # A real tenant's configuration: Azure and the sign-in at the simulator.
  mkdir -p "$user_dir/AppData/Roaming/elevate"
  printf 'cloud = "custom"\n[endpoints]\narm = "%s"\ngraph = "%s"\nauthority = "%s"\narm_scope = "https://management.core.windows.net//.default"\ngraph_scope = "https://graph.microsoft.com/.default"\n[sign_in]\nclient_id = "elevate-demo"\n' \
    "$url" "$url" "$url" >"$user_dir/AppData/Roaming/elevate/config.toml"

  echo "== windows: sign-in, kept with Wine's Credential Manager"
  if run login --device-code; then pass "login --device-code against elevate.exe sim"; else fail "login --device-code"; fi
  if run whoami --json \
    && js "d.accounts.length === 1 && !d.memory_only_reason"; then
    pass "whoami in a new process: the sign-in was saved, its key in the Credential Manager"
  else
    fail "whoami after login"
  fi
  # Wine keeps the Credential Manager's entries under this registry key.
  creds() { "$wine" reg query 'HKCU\Software\Wine\Credential Manager' /s 2>/dev/null | tr -d '\r' | grep -c '^HKEY_CURRENT_USER\\Software\\Wine\\Credential Manager\\' || true; }
  if [ "$(creds)" -ge 1 ]; then
    pass "the sealing key is an entry of the Credential Manager"
  else
    fail "the sealing key is an entry of the Credential Manager"
  fi
  tokens="$user_dir/AppData/Local/elevate/tokens.bin"
  if [ -s "$tokens" ] && ! grep -q 'eyJ' "$tokens"; then
    pass "the token cache in %LOCALAPPDATA%\\elevate is sealed"
  else
    fail "the token cache is sealed ($tokens)"
  fi
  if run roles --json && js "Array.isArray(d) && d.length >= 1"; then
    pass "roles --json with the saved sign-in"
  else
    fail "roles --json with the saved sign-in"
  fi
  if run logout && run whoami --json; then
    fail "logout: whoami still answers"
  elif grep -qi 'sign' "$err" "$out" && [ "$(creds)" -eq 0 ]; then
    pass "logout: nobody is signed in any more, the Credential Manager entry is gone"
  else
    fail "logout"
  fi

  # The browser sign-in: Wine hands the URL to the Unix program named in its registry, here a script
  # that plays the browser (curl following the redirects down to elevate.exe's loopback listener).
  browser="$work/browser.sh"
  printf '#!/bin/sh\ntouch "%s"\njar=$(mktemp)\ncurl -s -L --max-redirs 20 -c "$jar" -b "$jar" -o /dev/null "$1"\nrm -f "$jar"\n' "$work/browser-opened" >"$browser"
  chmod +x "$browser"
  "$wine" reg add 'HKCU\Software\Wine\WineBrowser' /v Browsers /t REG_SZ /d "$browser" /f >/dev/null 2>&1 || true
  if timeout 120 "$wine" "$app/elevate.exe" login >"$out" 2>"$err" </dev/null \
    && [ -f "$work/browser-opened" ] && ! grep -qi 'device code' "$out" "$err" \
    && run whoami --json && js "d.accounts.length === 1 && !d.memory_only_reason"; then
    pass "login in the browser (winebrowser → scripted browser → loopback listener)"
  else
    fail "login in the browser"
  fi
fi

echo "== windows: the tray app under Wine (on Xvfb; Wine has no WebView2, so no window)"
tray_out="$work/tray.out"
"$wine" "$app/elevate-tray.exe" --demo >"$tray_out" 2>&1 </dev/null &
tray_pid=$!
pids+=($tray_pid)
for _ in $(seq 1 300); do grep -aq 'could not show a desktop notification' "$tray_out" && break; sleep 0.2; done
sleep 2
tray_url=$(grep -ao 'http://127\.0\.0\.1:[0-9]*' "$tray_out" | head -n 1 || true)
if kill -0 "$tray_pid" 2>/dev/null && grep -aq 'watch event' "$tray_out"; then
  pass "elevate-tray.exe --demo runs: tray icon, embedded simulator, watcher events"
else
  out="$tray_out" fail "elevate-tray.exe --demo runs"
fi
if [ -n "$tray_url" ] && curl -sf "$tray_url/_sim/info" >/dev/null; then
  pass "the tray app's embedded simulator answers ($tray_url)"
else
  out="$tray_out" fail "the tray app's embedded simulator answers"
fi
# Wine has no toast notification platform: the WinRT call fails with REGDB_E_CLASSNOTREG. That it
# fails there (and is logged, and the app goes on) shows the watcher's notices take the toast path.
if grep -aq 'could not show a desktop notification.*Windows API error: 0x80040154' "$tray_out" && kill -0 "$tray_pid" 2>/dev/null; then
  pass "notices go to WinRT toasts (none in Wine: logged, the app carries on)"
else
  out="$tray_out" fail "notices go to WinRT toasts"
fi

echo "== windows: the installer (scripts/windows/installer.nsi), silent install and uninstall under Wine"
# Built as scripts/bundle-windows.sh builds it, from the debug exes above and uncompressed (the test
# needs no small file). The WebView2 bootstrapper built in is a stand-in that records how it was
# started (scripts/windows/fake-webview2-setup.c): the real one downloads from Microsoft.
"$wineserver" -k 2>/dev/null || true
installer_started=$(date +%s)
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
x86_64-w64-mingw32-gcc -O2 -o "$work/MicrosoftEdgeWebview2Setup.exe" scripts/windows/fake-webview2-setup.c
setup="$work/Elevate_${version}_x64-setup.exe"
started=$(date +%s)
if makensis -V2 -DNOCOMPRESS -DVERSION="$version" -DBINDIR="$bin" -DICONDIR="$PWD/icons" \
  -DWEBVIEW2_BOOTSTRAPPER="$work/MicrosoftEdgeWebview2Setup.exe" -DOUTFILE="$setup" \
  "$PWD/scripts/windows/installer.nsi" >"$out" 2>"$err" && [ -s "$setup" ]; then
  pass "makensis builds Elevate_${version}_x64-setup.exe ($(( $(date +%s) - started )) s)"
else
  fail "makensis builds the installer"
fi
# The installer registers the AppUserModelID the toasts are shown under: one name in both places.
code_aumid=$(sed -n 's/^pub const APP_USER_MODEL_ID: &str = "\(.*\)";/\1/p' src-tauri/crates/elevate-app/src/notifier.rs)
nsi_aumid=$(sed -n 's/^!define AUMID "\(.*\)"/\1/p' scripts/windows/installer.nsi)
if [ -n "$code_aumid" ] && [ "$code_aumid" = "$nsi_aumid" ]; then
  pass "installer.nsi registers the notifier's AppUserModelID ($code_aumid)"
else
  fail "AppUserModelID: notifier.rs '$code_aumid', installer.nsi '$nsi_aumid'"
fi
# Windows 10 and later have bcryptprimitives.dll in System32; Wine 8 gets the stand-in there.
cp "$app/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

win_user='C:\users\'"$(basename "$user_dir")"
inst_win="$win_user"'\AppData\Local\Programs\Elevate'
inst="$user_dir/AppData/Local/Programs/Elevate"
lnk="$user_dir/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Elevate.lnk"
aumid='HKCU\Software\Classes\AppUserModelId\dev.elevate.tray'
uninst_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Elevate'
bootstrapper_log="$WINEPREFIX/drive_c/webview2-bootstrapper.txt"
reg_value() { "$wine" reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | grep -i "$2" || true; }
user_path() { reg_value 'HKCU\Environment' Path; }
all_files() { local dir=$1 f; shift; for f in "$@"; do [ -f "$dir/$f" ] || return 1; done; }
# The uninstaller copies itself to %TEMP% and returns at once; the copy is done when this prefix's Wine
# server ends (no Wine program of the prefix is left running here).
uninstall() {
  "$wine" "$inst_win\\uninstall.exe" /S "$@" >/dev/null 2>&1 </dev/null || return 1
  timeout 120 "$wineserver" -w
}

rm -f "$bootstrapper_log"
if "$wine" "$setup" /S >/dev/null 2>&1 </dev/null \
  && all_files "$inst" elevate.exe elevate-tray.exe WebView2Loader.dll elevate.png uninstall.exe; then
  pass "silent per-user install into %LOCALAPPDATA%\\Programs\\Elevate"
else
  fail "silent install ($(ls "$inst" 2>&1 | tr '\n' ' '))"
fi
if [ -f "$lnk" ] && strings -a -el "$lnk" | grep -qi 'elevate-tray.exe'; then
  pass "Start-menu shortcut to elevate-tray.exe"
else
  fail "Start-menu shortcut ($lnk)"
fi
if reg_value "$aumid" DisplayName | grep -q 'Elevate$' && reg_value "$aumid" IconUri | grep -qiF "$inst_win\\elevate.png"; then
  pass "AppUserModelID dev.elevate.tray registered (DisplayName, IconUri)"
else
  fail "AppUserModelID key ($(reg_value "$aumid" DisplayName))"
fi
if reg_value "$uninst_key" UninstallString | grep -qiF "$inst_win\\uninstall.exe" \
  && reg_value "$uninst_key" DisplayVersion | grep -qF "$version"; then
  pass "uninstaller registered in Settings > Apps (HKCU, version $version)"
else
  fail "Uninstall key ($(reg_value "$uninst_key" UninstallString))"
fi
if user_path | grep -qiF "$inst_win"; then
  pass "the install folder is on the user's PATH"
else
  fail "PATH ($(user_path))"
fi
if grep -q '/silent /install' "$bootstrapper_log" 2>/dev/null; then
  pass "no WebView2 Runtime: the built-in bootstrapper ran with /silent /install"
else
  fail "WebView2 bootstrapper ($(cat "$bootstrapper_log" 2>&1))"
fi
if "$wine" "$inst_win\\elevate.exe" --demo roles >"$out" 2>"$err" </dev/null \
  && grep -q 'Contributor' "$out" && grep -q 'Contoso Development' "$out"; then
  pass "the installed elevate.exe --demo roles lists the demo tenant's roles"
else
  fail "installed elevate.exe --demo roles"
fi
if "$wine" cmd /c 'elevate --version' >"$out" 2>"$err" </dev/null && grep -q '^elevate ' "$out"; then
  pass "a new console finds \`elevate\` on the PATH"
else
  fail "\`elevate\` from a new console"
fi

if uninstall && [ ! -e "$inst" ] && [ ! -e "$lnk" ] \
  && [ -z "$(reg_value "$aumid" DisplayName)" ] && [ -z "$(reg_value "$uninst_key" UninstallString)" ] \
  && ! user_path | grep -qiF "$inst_win"; then
  pass "silent uninstall: program, shortcut, AUMID and uninstall keys, PATH entry gone"
else
  fail "silent uninstall (folder: $(ls "$inst" 2>&1 | tr '\n' ' '); AUMID: $(reg_value "$aumid" DisplayName); $(user_path))"
fi
if [ -f "$user_dir/AppData/Roaming/elevate/config.toml" ] && [ -d "$user_dir/AppData/Local/elevate/demo" ]; then
  pass "silent uninstall keeps the user's settings and data"
else
  fail "uninstall keeps the data"
fi

# A machine with the runtime (its per-user key): the bootstrapper is not run.
"$wine" reg add 'HKCU\Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}' \
  /v pv /t REG_SZ /d 120.0.2210.144 /f >/dev/null 2>&1
rm -f "$bootstrapper_log"
if "$wine" "$setup" /S >/dev/null 2>&1 </dev/null && [ -f "$inst/elevate.exe" ] && [ ! -e "$bootstrapper_log" ]; then
  pass "WebView2 Runtime present (per-user key): the bootstrapper is not run"
else
  fail "WebView2 present: bootstrapper skipped"
fi
if uninstall /DELETEDATA && [ ! -e "$inst" ] \
  && [ ! -e "$user_dir/AppData/Roaming/elevate" ] && [ ! -e "$user_dir/AppData/Local/elevate" ]; then
  pass "uninstall /S /DELETEDATA: settings and data gone too"
else
  fail "uninstall deleting the data"
fi

echo "windows: the installer's part took $(( $(date +%s) - installer_started )) s"
echo "wine: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
