; Elevate's Windows installer, built with plain makensis (NSIS 3, Unicode; only plug-ins NSIS ships):
;   makensis -DVERSION=0.1.0 -DBINDIR=<folder with elevate.exe, elevate-tray.exe[, WebView2Loader.dll]>
;            -DOUTFILE=<setup.exe> [-DICONDIR=<folder with icon.ico, icon.png>] (absolute paths: makensis
;            works in this folder)
;            [-DWEBVIEW2_BOOTSTRAPPER=<MicrosoftEdgeWebview2Setup.exe>] [-DNOCOMPRESS] installer.nsi
; scripts/bundle-windows.sh passes all of these; scripts/test-windows.sh installs the result under Wine.
;
; What it does, for the current user only (no administrator rights):
; - the programs into %LOCALAPPDATA%\Programs\Elevate (Windows' folder for per-user programs; Elevate's
;   own data is in %LOCALAPPDATA%\elevate and %APPDATA%\elevate, which the installer leaves alone);
; - a Start-menu shortcut to the tray app;
; - the AppUserModelID dev.elevate.tray registered under HKCU\Software\Classes\AppUserModelId, the
;   registration Microsoft documents for unpackaged apps' toasts (display name and icon);
; - the install folder on the user's PATH (installer-hooks.nsh, shared with the Tauri bundler's
;   installer), so `elevate` works in a new terminal;
; - WebView2: found through the registry keys Microsoft documents for detecting the runtime; when it
;   is missing, the Evergreen bootstrapper runs if one was built in, else the user is told where to get
;   it;
; - an uninstaller, registered in Settings > Apps, that keeps the user's data unless asked (a box on
;   its page, or /DELETEDATA for a silent uninstall: uninstall.exe /S /DELETEDATA).

Unicode true
ManifestDPIAware true
!ifdef NOCOMPRESS
  SetCompress off
!else
  SetCompressor /SOLID lzma
!endif

!ifndef VERSION
  !error "VERSION is needed: makensis -DVERSION=x.y.z"
!endif
!ifndef BINDIR
  !error "BINDIR is needed: the folder holding elevate.exe and elevate-tray.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "Elevate_${VERSION}_x64-setup.exe"
!endif
!ifndef ICONDIR
  !define ICONDIR "../../icons"
!endif

!define PRODUCT "Elevate"
!define PUBLISHER "Elevate"
!define AUMID "dev.elevate.tray"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${PRODUCT}"
!define AUMID_KEY "Software\Classes\AppUserModelId\${AUMID}"
; The start-at-login value the autostart plugin writes.
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
; WebView2 Runtime's client id in EdgeUpdate's keys.
!define WEBVIEW2_CLIENT "Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_URL "https://developer.microsoft.com/microsoft-edge/webview2/"

!include MUI2.nsh
!include nsDialogs.nsh
!include LogicLib.nsh
!include WinMessages.nsh
!include FileFunc.nsh
!include WordFunc.nsh
!include StrFunc.nsh
!include x64.nsh
${StrLoc}

; installer-hooks.nsh reads these two (they are the Tauri template's names).
Var UpdateMode
Var DeleteAppDataCheckboxState
Var DataCheckbox
!include "installer-hooks.nsh"

Name "${PRODUCT}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "FileDescription" "${PRODUCT} installer"
VIAddVersionKey "LegalCopyright" "${PUBLISHER}"

!define MUI_ICON "${ICONDIR}/icon.ico"
!define MUI_UNICON "${ICONDIR}/icon.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\elevate-tray.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${PRODUCT}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
UninstPage custom un.DataPageShow un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Function .onInit
  SetShellVarContext current
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${PRODUCT} needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
FunctionEnd

Section "${PRODUCT}" SecMain
  SectionIn RO
  StrCpy $UpdateMode 0
  SetOutPath "$INSTDIR"
  File "${BINDIR}/elevate.exe"
  File "${BINDIR}/elevate-tray.exe"
  ; The GNU build's tray app loads it; the MSVC build links the loader in.
  File /nonfatal "${BINDIR}/WebView2Loader.dll"
  File "/oname=elevate.ico" "${ICONDIR}/icon.ico"
  File "/oname=elevate.png" "${ICONDIR}/icon.png"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; Start menu: the tray app.
  CreateShortcut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\elevate-tray.exe" "" "$INSTDIR\elevate.ico" 0 \
    SW_SHOWNORMAL "" "Just-in-time Azure PIM role activation"

  ; Toasts: the AppUserModelID with the name and icon Windows shows them under.
  WriteRegExpandStr HKCU "${AUMID_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegExpandStr HKCU "${AUMID_KEY}" "IconUri" "$INSTDIR\elevate.png"

  ; Settings > Apps.
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\elevate.ico"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0

  ; The CLI on the user's PATH.
  !insertmacro NSIS_HOOK_POSTINSTALL
SectionEnd

; Microsoft's detection: a "pv" value that is neither empty nor 0.0.0.0 under the runtime's client key,
; per machine (HKLM, the 32-bit view on 64-bit Windows) or per user (HKCU). $0 = 1 when installed.
Function WebView2Installed
  StrCpy $0 0
  SetRegView 32
  ReadRegStr $1 HKLM "SOFTWARE\${WEBVIEW2_CLIENT}" "pv"
  SetRegView 64
  ${If} $1 != ""
  ${AndIf} $1 != "0.0.0.0"
    StrCpy $0 1
    Return
  ${EndIf}
  ReadRegStr $1 HKCU "Software\${WEBVIEW2_CLIENT}" "pv"
  ${If} $1 != ""
  ${AndIf} $1 != "0.0.0.0"
    StrCpy $0 1
  ${EndIf}
FunctionEnd

Section "WebView2" SecWebView2
  SectionIn RO
  Call WebView2Installed
  ${If} $0 = 1
    DetailPrint "WebView2 Runtime: installed"
    Return
  ${EndIf}
!ifdef WEBVIEW2_BOOTSTRAPPER
  DetailPrint "WebView2 Runtime: missing; running Microsoft's Evergreen bootstrapper"
  InitPluginsDir
  File "/oname=$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" "${WEBVIEW2_BOOTSTRAPPER}"
  ClearErrors
  ExecWait '"$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" /silent /install' $1
  ${If} ${Errors}
  ${OrIf} $1 <> 0
    DetailPrint "WebView2 Runtime: the bootstrapper failed ($1)"
    MessageBox MB_ICONEXCLAMATION "WebView2 Runtime could not be installed (code $1). ${PRODUCT}'s \
      window needs it; get it from ${WEBVIEW2_URL}. The command line (elevate) works without it." /SD IDOK
  ${Else}
    DetailPrint "WebView2 Runtime: installed by the bootstrapper"
  ${EndIf}
!else
  DetailPrint "WebView2 Runtime: missing; get it from ${WEBVIEW2_URL}"
  MessageBox MB_ICONINFORMATION "${PRODUCT}'s window needs Microsoft's WebView2 Runtime, which is not \
    installed. Get the Evergreen Runtime from ${WEBVIEW2_URL}. The command line (elevate) works \
    without it." /SD IDOK
!endif
SectionEnd

; The uninstaller's page with the one question: delete the user's data too?
Function un.DataPageShow
  !insertmacro MUI_HEADER_TEXT "Your data" "Keep or delete your Elevate settings and history."
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 36u "Your settings (%APPDATA%\elevate), your activation history, the demo \
    tenant and your saved sign-in (%LOCALAPPDATA%\elevate) are kept unless you tick the box."
  Pop $0
  ${NSD_CreateCheckbox} 0 44u 100% 12u "&Delete my Elevate settings, history and sign-in"
  Pop $DataCheckbox
  ${NSD_SetState} $DataCheckbox $DeleteAppDataCheckboxState
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $DataCheckbox $0
  ${If} $0 = ${BST_CHECKED}
    StrCpy $DeleteAppDataCheckboxState 1
  ${Else}
    StrCpy $DeleteAppDataCheckboxState 0
  ${EndIf}
FunctionEnd

Function un.onInit
  SetShellVarContext current
  SetRegView 64
  StrCpy $UpdateMode 0
  StrCpy $DeleteAppDataCheckboxState 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DELETEDATA" $R1
  ${IfNot} ${Errors}
    StrCpy $DeleteAppDataCheckboxState 1
  ${EndIf}
FunctionEnd

Section "Uninstall"
  ; Only the installer's own files: the folder goes only if nothing else was put in it.
  Delete "$INSTDIR\elevate.exe"
  Delete "$INSTDIR\elevate-tray.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\elevate.ico"
  Delete "$INSTDIR\elevate.png"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  DeleteRegKey HKCU "${AUMID_KEY}"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  ; Start at login, if the user had turned it on.
  DeleteRegValue HKCU "${RUN_KEY}" "${PRODUCT}"

  ; Off the PATH; the data only if asked.
  !insertmacro NSIS_HOOK_POSTUNINSTALL
SectionEnd
