// SPDX-License-Identifier: MIT
/* agent/turn.c: creating, failing and releasing a turn. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/json.h"

#define TURN_ARENA_MAX ((size_t)16 << 20)

ag_err turn_init(struct turn *t, const struct agent_env *env)
{
    memset(t, 0, sizeof(*t));
    arena_init(&t->arena, TURN_ARENA_MAX);
    buf_init(&t->response, (size_t)4 << 20);
    t->env = env;
    t->status = 200;
    t->lang = TEXT_LANG_UNKNOWN;
    t->t0_ns = clock_mono_ns();
    uint8_t raw[16];
    ag_err rc = crypto_random(raw, sizeof(raw));
    if (rc != AG_OK)
        return rc;
    crypto_hex(raw, sizeof(raw), t->trace_id);
    return AG_OK;
}

void turn_release(struct turn *t)
{
    pipeline_release_slot(t); /* a turn that never reached pipeline_finish */
    catalog_release(t->catalog);
    t->catalog = NULL;
    arena_release(&t->arena);
    buf_release(&t->response);
}

void turn_fail(struct turn *t, int status, const char *type, const char *code, const char *fmt, ...)
{
    t->status = status;
    t->err_type = type;
    t->err_code = code;
    va_list ap;
    va_start(ap, fmt);
    /* clang-tidy 14 reports every va_list as uninitialised here (a known analyzer false
     * positive with glibc's va_start); the list was started just above. */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    int n = vsnprintf(t->err_message, sizeof(t->err_message), fmt, ap);
    va_end(ap);
    if (n < 0)
        t->err_message[0] = '\0';
}

bool turn_may_store(const struct turn *t)
{
    const char *policy = t->env->cfg->store_content;
    if (strcmp(policy, "always") == 0)
        return true;
    return strcmp(policy, "consent") == 0 && t->consent;
}

/* Copy the body's string field name into the arena as *dst (absent: left alone). */
static bool take_id(struct turn *t, json_t *body, const char *name, const char **dst)
{
    json_t *v = json_object_get(body, name);
    if (!v)
        return true;
    if (json_string_length(v) == 0) {
        turn_fail(t, 400, "invalid_request", "bad_value", "field '%s' must not be empty", name);
        return false;
    }
    *dst = arena_strndup(&t->arena, json_string_value(v), json_string_length(v));
    if (!*dst) {
        turn_fail(t, 500, "server_error", "no_memory", "out of memory");
        return false;
    }
    return true;
}

/* ---- the body of POST /v1/ask ---- */

#define MAX_JSON_DEPTH 8
#define MAX_ID_BYTES   128

/* The first control character of UTF-8 text s[0..n) (C0 but tab, line feed and carriage
 * return; DEL; C1, U+0080..U+009F), as its offset, or n when there is none. */
static size_t first_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
            return i;
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9F)
            return i;
    }
    return n;
}

ag_err turn_parse_body(struct turn *t)
{
    char why[200];
    json_t *body = NULL;
    if (json_parse_object(t->body, t->body_len, MAX_JSON_DEPTH, &body, why, sizeof(why)) != AG_OK) {
        turn_fail(t, 400, "invalid_request", "bad_json", "%s", why);
        return AG_EINVAL;
    }
    ag_err res = AG_EINVAL;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "question") == 0 || strcmp(key, "lang") == 0 ||
            strcmp(key, "session") == 0 || strcmp(key, "subject") == 0) {
            if (!json_is_string(v)) {
                turn_fail(t, 400, "invalid_request", "bad_type", "field '%s' must be a string",
                          key);
                goto out;
            }
            if (strcmp(key, "question") != 0 && json_string_length(v) > MAX_ID_BYTES) {
                turn_fail(t, 400, "invalid_request", "bad_value",
                          "field '%s' is longer than %d bytes", key, MAX_ID_BYTES);
                goto out;
            }
            size_t at = first_control(json_string_value(v), json_string_length(v));
            if (at < json_string_length(v)) {
                turn_fail(t, 400, "invalid_request", "bad_value",
                          "field '%s' holds a control character at byte %zu", key, at);
                goto out;
            }
        } else if (strcmp(key, "consent") == 0) {
            if (!json_is_boolean(v)) {
                turn_fail(t, 400, "invalid_request", "bad_type",
                          "field 'consent' must be a "
                          "boolean");
                goto out;
            }
        } else {
            /* cut at a character bound: the message goes back inside JSON */
            turn_fail(t, 400, "invalid_request", "unknown_field", "unknown field '%.*s'",
                      (int)str_utf8_prefix(key, strlen(key), 64), key);
            goto out;
        }
    }
    json_t *q = json_object_get(body, "question");
    if (!q) {
        turn_fail(t, 400, "invalid_request", "missing_field", "field 'question' is required");
        goto out;
    }
    const char *qs = json_string_value(q);
    size_t qn = json_string_length(q);
    if (strlen(qs) != qn) {
        turn_fail(t, 400, "invalid_request", "bad_value", "question contains a NUL character");
        goto out;
    }
    size_t s = 0, e = qn;
    while (s < e && (qs[s] == ' ' || qs[s] == '\t' || qs[s] == '\n' || qs[s] == '\r'))
        s++;
    while (e > s &&
           (qs[e - 1] == ' ' || qs[e - 1] == '\t' || qs[e - 1] == '\n' || qs[e - 1] == '\r'))
        e--;
    if (s == e) {
        turn_fail(t, 400, "invalid_request", "empty_question", "question must not be empty");
        goto out;
    }
    if (e - s > t->env->cfg->max_question_bytes) {
        turn_fail(t, 413, "invalid_request", "too_big", "question longer than %zu bytes",
                  t->env->cfg->max_question_bytes);
        res = AG_ETOOBIG;
        goto out;
    }
    json_t *lang = json_object_get(body, "lang");
    if (lang) {
        t->lang = text_lang_parse(json_string_value(lang), json_string_length(lang));
        if (t->lang == TEXT_LANG_UNKNOWN) {
            turn_fail(t, 400, "invalid_request", "bad_value", "lang must be \"de\" or \"en\"");
            goto out;
        }
    }
    if (!take_id(t, body, "session", &t->session) || !take_id(t, body, "subject", &t->subject))
        goto out;
    t->consent = json_is_true(json_object_get(body, "consent"));
    t->consent_given = json_object_get(body, "consent") != NULL;
    t->question = arena_strndup(&t->arena, qs + s, e - s);
    t->question_len = e - s;
    if (!t->question) {
        turn_fail(t, 500, "server_error", "no_memory", "out of memory");
        goto out;
    }
    res = AG_OK;
out:
    json_decref(body);
    return res;
}
