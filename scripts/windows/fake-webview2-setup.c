/* A stand-in for Microsoft's WebView2 Evergreen bootstrapper (MicrosoftEdgeWebview2Setup.exe), used
 * only by scripts/test-windows.sh: the real one downloads the runtime from Microsoft, which cannot be
 * reached here, and Wine could not run WebView2 anyway. It records the arguments it was started with in
 * C:\webview2-bootstrapper.txt, so the test can see that the installer ran it, and how. */
#include <stdio.h>
#include <windows.h>

int main(void) {
    const wchar_t *line = GetCommandLineW();
    FILE *out = _wfopen(L"C:\\webview2-bootstrapper.txt", L"w");
    if (out == NULL) return 1;
    fwprintf(out, L"%ls\n", line);
    fclose(out);
    return 0;
}
