; A small installer that runs installer-hooks.nsh the way Tauri's NSIS template does (same headers,
; same variables, the hooks after the files are in place and after they are removed), so the hooks
; can be tested here with Debian's makensis and Wine while the Tauri bundler itself cannot run (it
; downloads its nsis_tauri_utils plugin from GitHub). Used by scripts/test-windows.sh:
;   makensis -DHOOKS=<installer-hooks.nsh> -DOUTFILE=<setup.exe> hooks-test.nsi
; The uninstaller's /DELETEDATA stands for the template's "Delete the application data" box.
Unicode true
!include LogicLib.nsh
!include WinMessages.nsh
!include FileFunc.nsh
!include WordFunc.nsh
!include StrFunc.nsh
${StrLoc}

Var UpdateMode
Var DeleteAppDataCheckboxState

!include "${HOOKS}"

Name "Elevate installer hooks"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Elevate"
SilentInstall silent
SilentUnInstall silent

Section
  StrCpy $UpdateMode 0
  SetOutPath "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  !insertmacro NSIS_HOOK_POSTINSTALL
SectionEnd

Section Uninstall
  StrCpy $UpdateMode 0
  StrCpy $DeleteAppDataCheckboxState 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DELETEDATA" $R1
  ${IfNot} ${Errors}
    StrCpy $DeleteAppDataCheckboxState 1
  ${EndIf}
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  !insertmacro NSIS_HOOK_POSTUNINSTALL
SectionEnd
