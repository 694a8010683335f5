// SPDX-License-Identifier: MIT
/* core/json.c: strict parsing and compact serialisation over jansson. */
#include "core/json.h"

#include <stdio.h>
#include <string.h>

static size_t json_depth(const json_t *v)
{
    size_t max = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c)
        {
            size_t d = json_depth(c);
            if (d > max)
                max = d;
        }
        return max + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c)
        {
            size_t d = json_depth(c);
            if (d > max)
                max = d;
        }
        return max + 1;
    }
    return 0;
}

ag_err json_parse_value(const char *p, size_t n, size_t max_depth, json_t **out, char *why,
                        size_t why_len)
{
    json_error_t err;
    /* JSON text never holds a raw NUL, and jansson's lexer skips one after a number. */
    if (memchr(p, '\0', n)) {
        snprintf(why, why_len, "malformed JSON: a NUL byte");
        return AG_EINVAL;
    }
    /* jansson itself caps nesting at JSON_PARSER_MAX_DEPTH (2048), so recursion in
     * json_depth() below is bounded. */
    json_t *v = json_loadb(p, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (!v) {
        snprintf(why, why_len, "malformed JSON at line %d column %d: %s", err.line, err.column,
                 err.text);
        /* jansson's text may quote the bad input, half a character included; the reason
         * goes back to the client inside JSON, which must be valid UTF-8: keep ASCII */
        for (char *c = why; why_len && *c; c++)
            if ((unsigned char)*c >= 0x80)
                *c = '?';
        return AG_EINVAL;
    }
    if (json_depth(v) > max_depth) {
        json_decref(v);
        snprintf(why, why_len, "JSON nested deeper than %zu levels", max_depth);
        return AG_EINVAL;
    }
    *out = v;
    return AG_OK;
}

ag_err json_parse_object(const char *p, size_t n, size_t max_depth, json_t **out, char *why,
                         size_t why_len)
{
    json_t *v = NULL;
    ag_err rc = json_parse_value(p, n, max_depth, &v, why, why_len);
    if (rc != AG_OK)
        return rc;
    if (!json_is_object(v)) {
        json_decref(v);
        snprintf(why, why_len, "the body must be a JSON object");
        return AG_EINVAL;
    }
    *out = v;
    return AG_OK;
}

static int dump_cb(const char *p, size_t n, void *data)
{
    return buf_append(data, p, n) == AG_OK ? 0 : -1;
}

ag_err json_dump_buf(const json_t *v, struct buf *b)
{
    if (json_dump_callback(v, dump_cb, b, JSON_COMPACT | JSON_REAL_PRECISION(6)) != 0)
        return AG_ETOOBIG;
    return AG_OK;
}

ag_err json_put_id(struct buf *out, const json_t *id)
{
    if (json_is_string(id)) {
        ag_err rc = buf_putc(out, '"');
        rc = rc ? rc : buf_append_json_escaped(out, json_string_value(id), json_string_length(id));
        return rc ? rc : buf_putc(out, '"');
    }
    if (json_is_integer(id))
        return buf_printf(out, "%lld", (long long)json_integer_value(id));
    return buf_append_str(out, "null");
}

ag_err json_line_error(struct buf *out, const json_t *id, const char *why)
{
    size_t keep = out->len;
    ag_err rc = buf_append_str(out, "{\"id\":");
    rc = rc ? rc : json_put_id(out, id);
    rc = rc ? rc : buf_append_str(out, ",\"error\":\"");
    rc = rc ? rc : buf_append_json_escaped(out, why, strlen(why));
    rc = rc ? rc : buf_append_str(out, "\"}\n");
    if (rc != AG_OK) {
        buf_truncate(out, keep);
        return rc;
    }
    return AG_EINVAL;
}
