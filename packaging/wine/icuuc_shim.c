/* A stand-in for Windows' system icuuc.dll, for the Wine rehearsal only.
 *
 * Qt 6.12's Qt6Core.dll imports 20 ICU converter functions (ucnv_*) from the
 * icuuc.dll that Windows 10 ships in System32; Wine provides that DLL only from
 * 11.5 on, so on wine 8 `import PySide6.QtCore` fails ("Library icuuc.dll ...
 * not found").  Qt uses these functions only for text codecs it does not have
 * built in (UTF-8/16/32 and Latin-1 are built in).  Here every converter fails
 * to open, so Qt reports such a codec as unavailable; nothing else changes.
 *
 * packaging/windows_rehearsal.sh compiles this with mingw-w64 into the Wine
 * prefix's system32 (where Windows has the real one).  It is never shipped.
 */
#include <stddef.h>
#include <stdint.h>

typedef int UErrorCode;
#define U_FILE_ACCESS_ERROR 4
#define U_INVALID_STATE_ERROR 27
#define EXPORT __declspec(dllexport)

static void fail(UErrorCode *err, UErrorCode code) { if (err && *err <= 0) *err = code; }

EXPORT void *ucnv_open(const char *name, UErrorCode *err) { (void)name; fail(err, U_FILE_ACCESS_ERROR); return NULL; }
EXPORT void ucnv_close(void *cnv) { (void)cnv; }
EXPORT void ucnv_reset(void *cnv) { (void)cnv; }
EXPORT int8_t ucnv_getMaxCharSize(const void *cnv) { (void)cnv; return 1; }
EXPORT const char *ucnv_getName(const void *cnv, UErrorCode *err) { (void)cnv; fail(err, U_INVALID_STATE_ERROR); return ""; }
EXPORT const char *ucnv_getStandardName(const char *name, const char *standard, UErrorCode *err)
{ (void)name; (void)standard; fail(err, U_FILE_ACCESS_ERROR); return NULL; }
EXPORT int32_t ucnv_countAvailable(void) { return 0; }
EXPORT const char *ucnv_getAvailableName(int32_t n) { (void)n; return NULL; }
EXPORT void ucnv_getToUCallBack(const void *cnv, void **action, const void **context)
{ (void)cnv; if (action) *action = NULL; if (context) *context = NULL; }
EXPORT void ucnv_getFromUCallBack(const void *cnv, void **action, const void **context)
{ (void)cnv; if (action) *action = NULL; if (context) *context = NULL; }
EXPORT void ucnv_setToUCallBack(void *cnv, void *action, const void *context, void **old_action,
                                const void **old_context, UErrorCode *err)
{ (void)cnv; (void)action; (void)context; (void)old_action; (void)old_context; fail(err, U_INVALID_STATE_ERROR); }
EXPORT void ucnv_setFromUCallBack(void *cnv, void *action, const void *context, void **old_action,
                                  const void **old_context, UErrorCode *err)
{ (void)cnv; (void)action; (void)context; (void)old_action; (void)old_context; fail(err, U_INVALID_STATE_ERROR); }
EXPORT void ucnv_toUnicode(void *cnv, uint16_t **target, const uint16_t *target_limit, const char **source,
                           const char *source_limit, int32_t *offsets, int8_t flush, UErrorCode *err)
{ (void)cnv; (void)target; (void)target_limit; (void)source; (void)source_limit; (void)offsets; (void)flush;
  fail(err, U_INVALID_STATE_ERROR); }
EXPORT void ucnv_fromUnicode(void *cnv, char **target, const char *target_limit, const uint16_t **source,
                             const uint16_t *source_limit, int32_t *offsets, int8_t flush, UErrorCode *err)
{ (void)cnv; (void)target; (void)target_limit; (void)source; (void)source_limit; (void)offsets; (void)flush;
  fail(err, U_INVALID_STATE_ERROR); }
EXPORT int32_t ucnv_toUCountPending(const void *cnv, UErrorCode *err) { (void)cnv; fail(err, U_INVALID_STATE_ERROR); return 0; }
EXPORT int32_t ucnv_fromUCountPending(const void *cnv, UErrorCode *err) { (void)cnv; fail(err, U_INVALID_STATE_ERROR); return 0; }
EXPORT void ucnv_cbToUWriteUChars(void *args, const uint16_t *source, int32_t length, int32_t offset, UErrorCode *err)
{ (void)args; (void)source; (void)length; (void)offset; fail(err, U_INVALID_STATE_ERROR); }
EXPORT void ucnv_cbFromUWriteUChars(void *args, const uint16_t **source, const uint16_t *source_limit,
                                    int32_t offset, UErrorCode *err)
{ (void)args; (void)source; (void)source_limit; (void)offset; fail(err, U_INVALID_STATE_ERROR); }
/* The substitution callbacks: Qt passes them to ucnv_set*CallBack, never calls them itself. */
EXPORT void UCNV_FROM_U_CALLBACK_SUBSTITUTE(const void *context, void *args, const uint16_t *code_units,
                                            int32_t length, int32_t code_point, int reason, UErrorCode *err)
{ (void)context; (void)args; (void)code_units; (void)length; (void)code_point; (void)reason; (void)err; }
EXPORT void UCNV_TO_U_CALLBACK_SUBSTITUTE(const void *context, void *args, const char *code_units,
                                          int32_t length, int reason, UErrorCode *err)
{ (void)context; (void)args; (void)code_units; (void)length; (void)reason; (void)err; }
