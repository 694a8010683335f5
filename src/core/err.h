/* core/err.h: the one error enum of agentgate. Codes are only ever appended. */
#ifndef AG_CORE_ERR_H
#define AG_CORE_ERR_H

typedef enum {
    AG_OK = 0,
    AG_EINVAL,    /* bad input                                  -> 400 */
    AG_ETOOBIG,   /* input over a configured cap                -> 413 */
    AG_ENOMEM,    /* out of memory                              -> 500 */
    AG_EBUSY,     /* queue full or shutting down                -> 503 */
    AG_EIO,       /* OS or network; detail logged where it happened */
    AG_EDB,       /* storage; detail logged where it happened   -> 500 */
    AG_ENOTFOUND, /* no such record, file or key                -> 404 */
    AG_ECONFIG,   /* invalid configuration                      */
    AG_ECORRUPT,  /* stored data failed an integrity check      */
    AG_ETIMEDOUT, /* a deadline passed                          -> 504 */
    AG_ERR_COUNT  /* keep last; not a code */
} ag_err;

/* Static English text for an error code; never NULL. */
const char *ag_strerror(ag_err e);

#endif
