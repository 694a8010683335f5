// SPDX-License-Identifier: MIT
/* core/err.c: text for ag_err codes. */
#include "core/err.h"

const char *ag_strerror(ag_err e)
{
    static const char *const text[AG_ERR_COUNT] = {
        [AG_OK] = "ok",
        [AG_EINVAL] = "invalid input",
        [AG_ETOOBIG] = "input too large",
        [AG_ENOMEM] = "out of memory",
        [AG_EBUSY] = "busy",
        [AG_EIO] = "i/o error",
        [AG_EDB] = "storage error",
        [AG_ENOTFOUND] = "not found",
        [AG_ECONFIG] = "invalid configuration",
        [AG_ETIMEDOUT] = "timed out",
        [AG_ECORRUPT] = "integrity check failed",
    };
    if ((unsigned)e >= AG_ERR_COUNT)
        return "unknown error";
    return text[e];
}
