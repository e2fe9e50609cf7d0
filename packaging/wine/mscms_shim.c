/* A stand-in for mscms.dll (Windows Color System), for the Wine rehearsal only.
 *
 * Qt 6.12's Windows platform plugin (qwindows.dll) reads each screen's colour
 * profile: OpenColorProfileW / GetColorProfileFromHandle, then
 * WcsCreateIccProfile, which wine 8 does not implement ("unimplemented
 * function mscms.dll.WcsCreateIccProfile, aborting": the window never opens).
 * Here no screen has a colour profile, so Qt uses sRGB, as on a Windows
 * machine without a calibrated display.
 *
 * packaging/windows_rehearsal.sh compiles this with mingw-w64 into the Wine
 * prefix's system32 and makes wine load it instead of its own (DllOverrides
 * mscms=native).  It is never shipped.
 */
#include <windows.h>

#define ERROR_PROFILE_NOT_FOUND_HERE 2009 /* ERROR_PROFILE_NOT_FOUND */

__declspec(dllexport) HANDLE WINAPI OpenColorProfileW(void *profile, DWORD access, DWORD share, DWORD creation)
{ (void)profile; (void)access; (void)share; (void)creation; SetLastError(ERROR_PROFILE_NOT_FOUND_HERE); return NULL; }

__declspec(dllexport) BOOL WINAPI GetColorProfileFromHandle(HANDLE profile, BYTE *buffer, DWORD *size)
{ (void)profile; (void)buffer; if (size) *size = 0; SetLastError(ERROR_INVALID_HANDLE); return FALSE; }

__declspec(dllexport) HANDLE WINAPI WcsCreateIccProfile(HANDLE profile, DWORD options)
{ (void)profile; (void)options; SetLastError(ERROR_INVALID_HANDLE); return NULL; }

__declspec(dllexport) BOOL WINAPI CloseColorProfile(HANDLE profile) { (void)profile; return TRUE; }
