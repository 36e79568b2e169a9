/* A stand-in for bcryptprimitives.dll, which Wine 8 lacks and Rust's standard library (1.78 and later)
 * imports ProcessPrng from on Windows. Used only by scripts/test-windows.sh, next to the .exe under
 * Wine; Windows 10 and later ship the real DLL. ProcessPrng fills the buffer from RtlGenRandom
 * (advapi32's SystemFunction036), the system's cryptographic random source. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
