; Elevate's additions to Tauri's NSIS installer (bundle.windows.nsis.installerHooks in
; tauri.bundle.json). Tauri's template includes this after StrFunc's ${StrLoc} and WordFunc, and
; defines $UpdateMode and $DeleteAppDataCheckboxState, which the macros below read.

!macro NSIS_HOOK_POSTINSTALL
  ; The CLI (elevate.exe, installed beside the tray app) on the user's PATH: HKCU\Environment, once.
  ReadRegStr $0 HKCU "Environment" "Path"
  ${StrLoc} $1 "$0" "$INSTDIR" ">"
  ${If} $1 == ""
    ${If} $0 == ""
      WriteRegExpandStr HKCU "Environment" "Path" "$INSTDIR"
    ${Else}
      WriteRegExpandStr HKCU "Environment" "Path" "$0;$INSTDIR"
    ${EndIf}
    ; New consoles see it without signing out.
    SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=500
  ${EndIf}
!macroend

!macro NSIS_HOOK_POSTUNINSTALL
  ${If} $UpdateMode <> 1
    ; Off the user's PATH again.
    ReadRegStr $0 HKCU "Environment" "Path"
    ${un.WordReplace} "$0" ";$INSTDIR" "" "+" $1
    ${un.WordReplace} "$1" "$INSTDIR" "" "+" $1
    WriteRegExpandStr HKCU "Environment" "Path" "$1"
    SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=500
  ${EndIf}
  ; The user's data (settings in %APPDATA%\elevate; history, cache and the sealed sign-in in
  ; %LOCALAPPDATA%\elevate) stays unless "Delete the application data" was ticked.
  ${If} $DeleteAppDataCheckboxState = 1
  ${AndIf} $UpdateMode <> 1
    SetShellVarContext current
    RmDir /r "$APPDATA\elevate"
    RmDir /r "$LOCALAPPDATA\elevate"
  ${EndIf}
!macroend
