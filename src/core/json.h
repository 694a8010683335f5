/*
 * core/json.h: the one place jansson enters agentgate (json_t may appear in other headers).
 * OWNERSHIP: functions returning json_t* return a new reference the caller json_decref()s.
 */
#ifndef AG_CORE_JSON_H
#define AG_CORE_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Parse p[0..n) as one JSON value of any type (strict UTF-8, no duplicate keys, nesting
 * at most max_depth); AG_EINVAL with a short reason in why. */
ag_err json_parse_value(const char *p, size_t n, size_t max_depth, json_t **out, char *why,
                        size_t why_len);
/* Parse p[0..n) as one JSON object: strict UTF-8, no duplicate keys, nesting at most
 * max_depth. On failure returns AG_EINVAL and writes a short reason into why. */
ag_err json_parse_object(const char *p, size_t n, size_t max_depth, json_t **out, char *why,
                         size_t why_len);
/* Serialise v compactly into b (appends). */
ag_err json_dump_buf(const json_t *v, struct buf *b);

/* For JSON Lines tools: append id as JSON (a string or an integer, copied as given;
 * anything else is null). AG_ENOMEM. */
ag_err json_put_id(struct buf *out, const json_t *id);
/* Append the line {"id": id, "error": why} and return AG_EINVAL (the line was bad); on
 * AG_ENOMEM out is as it was. */
ag_err json_line_error(struct buf *out, const json_t *id, const char *why);

#endif
