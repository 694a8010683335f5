// SPDX-License-Identifier: MIT
/*
 * agent/chat.c: POST /v1/chat/completions in OpenAI's shapes, so existing SDKs work.
 *
 * Request: model, messages (user and assistant turns; the agent's own instructions come
 * from its configuration, so system and developer messages are refused rather than
 * silently dropped or obeyed), stream, stream_options.include_usage, max_tokens (or
 * max_completion_tokens), temperature, top_p, seed, stop, user, n (only 1); and
 * agentgate's own session, consent and lang. Any other field is refused by name.
 * Reply: chat.completion (or chat.completion.chunk events) with an extra `agentgate`
 * object: sources, guard verdicts, confidence, trace id.
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/guard_out.h"
#include "core/json.h"

#define MAX_MESSAGES   64
#define MAX_STOP_BYTES 64
#define MAX_ID_BYTES   128

/* How many bytes of s to quote in an error message: at most max, never half a character
 * (the message goes back inside JSON, which must be valid UTF-8). */
static int quote_len(const char *s, size_t max)
{
    return (int)str_utf8_prefix(s, strlen(s), max);
}

static bool bad_text(struct turn *t, const char *field, const char *s, size_t n)
{
    if (strlen(s) != n) {
        turn_fail(t, 400, "invalid_request", "bad_value", "%s contains a NUL character", field);
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
            turn_fail(t, 400, "invalid_request", "bad_value",
                      "%s holds a control character at byte %zu", field, i);
            return true;
        }
    }
    return false;
}

/* A message's content: a string, or an array of {"type": "text", "text": "..."} parts
 * joined. NULL (after turn_fail) when malformed. */
static char *message_text(struct turn *t, size_t idx, json_t *content)
{
    char field[48];
    snprintf(field, sizeof(field), "messages[%zu].content", idx);
    if (json_is_string(content)) {
        if (bad_text(t, field, json_string_value(content), json_string_length(content)))
            return NULL;
        return arena_strndup(&t->arena, json_string_value(content), json_string_length(content));
    }
    if (!json_is_array(content) || json_array_size(content) == 0) {
        turn_fail(t, 400, "invalid_request", "bad_type",
                  "%s must be a string or an array of text parts", field);
        return NULL;
    }
    struct buf b;
    buf_init(&b, t->env->cfg->max_body_bytes);
    size_t i;
    json_t *part;
    char *out = NULL;
    json_array_foreach(content, i, part)
    {
        json_t *type = json_object_get(part, "type"), *text = json_object_get(part, "text");
        if (!json_is_object(part) || json_object_size(part) != 2 || !json_is_string(type) ||
            strcmp(json_string_value(type), "text") != 0 || !json_is_string(text)) {
            turn_fail(t, 400, "invalid_request", "bad_type",
                      "%s[%zu] must be {\"type\": \"text\", \"text\": \"...\"} (only text is "
                      "supported)",
                      field, i);
            goto done;
        }
        if (bad_text(t, field, json_string_value(text), json_string_length(text)))
            goto done;
        if ((i && buf_putc(&b, '\n') != AG_OK) ||
            buf_append(&b, json_string_value(text), json_string_length(text)) != AG_OK) {
            turn_fail(t, 413, "invalid_request", "too_big", "%s is too long", field);
            goto done;
        }
    }
    out = arena_strndup(&t->arena, b.p ? b.p : "", b.len);
    if (!out)
        turn_fail(t, 500, "server_error", "no_memory", "out of memory");
done:
    buf_release(&b);
    return out;
}

static ag_err parse_messages(struct turn *t, json_t *msgs)
{
    size_t n = json_array_size(msgs);
    if (!json_is_array(msgs) || n == 0 || n > MAX_MESSAGES) {
        turn_fail(t, 400, "invalid_request", "bad_value",
                  "messages must be an array of 1 to %d messages", MAX_MESSAGES);
        return AG_EINVAL;
    }
    t->history = arena_calloc(&t->arena, n, sizeof(*t->history));
    if (!t->history) {
        turn_fail(t, 500, "server_error", "no_memory", "out of memory");
        return AG_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_array_get(msgs, i), *role = json_object_get(m, "role"),
               *content = json_object_get(m, "content");
        const char *key;
        json_t *v;
        if (!json_is_object(m) || !json_is_string(role) || !content) {
            turn_fail(t, 400, "invalid_request", "bad_value",
                      "messages[%zu] must be an object with role and content", i);
            return AG_EINVAL;
        }
        json_object_foreach(m, key, v)
        {
            if (strcmp(key, "role") != 0 && strcmp(key, "content") != 0 &&
                strcmp(key, "name") != 0) {
                turn_fail(t, 400, "invalid_request", "unknown_field",
                          "unknown field 'messages[%zu].%.*s'", i, quote_len(key, 32), key);
                return AG_EINVAL;
            }
        }
        const char *r = json_string_value(role);
        enum llm_role lr;
        if (strcmp(r, "user") == 0) {
            lr = LLM_ROLE_USER;
        } else if (strcmp(r, "assistant") == 0) {
            lr = LLM_ROLE_ASSISTANT;
        } else if (strcmp(r, "system") == 0 || strcmp(r, "developer") == 0) {
            turn_fail(t, 400, "invalid_request", "system_not_allowed",
                      "messages[%zu]: %s messages are not accepted; the agent's instructions "
                      "are set in its configuration",
                      i, r);
            return AG_EINVAL;
        } else {
            turn_fail(t, 400, "invalid_request", "bad_value",
                      "messages[%zu].role must be user or assistant", i);
            return AG_EINVAL;
        }
        char *text = message_text(t, i, content);
        if (!text)
            return t->status == 413 ? AG_ETOOBIG : AG_EINVAL;
        if (strlen(text) > t->env->cfg->max_question_bytes) {
            turn_fail(t, 413, "invalid_request", "too_big",
                      "messages[%zu] is longer than %zu bytes", i, t->env->cfg->max_question_bytes);
            return AG_ETOOBIG;
        }
        t->history[i] = (struct llm_message){lr, text};
    }
    struct llm_message *last = &t->history[n - 1];
    if (last->role != LLM_ROLE_USER) {
        turn_fail(t, 400, "invalid_request", "bad_value", "the last message must be the user's");
        return AG_EINVAL;
    }
    const char *q = last->content;
    size_t s = 0, e = strlen(q);
    while (s < e && (q[s] == ' ' || q[s] == '\t' || q[s] == '\n' || q[s] == '\r'))
        s++;
    while (e > s && (q[e - 1] == ' ' || q[e - 1] == '\t' || q[e - 1] == '\n' || q[e - 1] == '\r'))
        e--;
    if (s == e) {
        turn_fail(t, 400, "invalid_request", "empty_question",
                  "the last user message must not be empty");
        return AG_EINVAL;
    }
    t->question = q + s;
    t->question_len = e - s;
    t->n_history = n - 1;
    return AG_OK;
}

static bool number_in(json_t *v, double lo, double hi, double *out)
{
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return *out >= lo && *out <= hi;
}

ag_err turn_parse_chat_body(struct turn *t)
{
    const struct config *cfg = t->env->cfg;
    char why[200];
    json_t *body = NULL;
    t->chat = true;
    t->max_tokens = cfg->llm_max_tokens;
    t->temperature = (float)cfg->llm_temperature;
    t->top_p = (float)cfg->llm_top_p;
    if (json_parse_object(t->body, t->body_len, 8, &body, why, sizeof(why)) != AG_OK) {
        turn_fail(t, 400, "invalid_request", "bad_json", "%s", why);
        return AG_EINVAL;
    }
    ag_err res = AG_EINVAL;
    const char *key;
    json_t *v;
    double d;
    json_object_foreach(body, key, v)
    {
        if (strcmp(key, "messages") == 0) {
            continue; /* below, after every other field is known */
        } else if (strcmp(key, "model") == 0) {
            if (!json_is_string(v)) {
                turn_fail(t, 400, "invalid_request", "bad_type", "field 'model' must be a string");
                goto out;
            }
            if (strcmp(json_string_value(v), t->env->model_id) != 0) {
                turn_fail(t, 404, "invalid_request", "model_not_found",
                          "the model '%.*s' does not exist here; GET /v1/models lists it",
                          quote_len(json_string_value(v), 64), json_string_value(v));
                goto out;
            }
        } else if (strcmp(key, "stream") == 0 || strcmp(key, "consent") == 0) {
            if (!json_is_boolean(v)) {
                turn_fail(t, 400, "invalid_request", "bad_type", "field '%s' must be a boolean",
                          key);
                goto out;
            }
            if (key[0] == 's') {
                t->stream = json_is_true(v);
            } else {
                t->consent = json_is_true(v);
                t->consent_given = true;
            }
        } else if (strcmp(key, "stream_options") == 0) {
            json_t *iu = json_object_get(v, "include_usage");
            if (!json_is_object(v) || json_object_size(v) != (iu ? 1u : 0u) ||
                (iu && !json_is_boolean(iu))) {
                turn_fail(t, 400, "invalid_request", "bad_value",
                          "stream_options may hold only include_usage (a boolean)");
                goto out;
            }
            t->include_usage = json_is_true(iu);
        } else if (strcmp(key, "max_tokens") == 0 || strcmp(key, "max_completion_tokens") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 ||
                json_integer_value(v) > (json_int_t)cfg->llm_ctx) {
                turn_fail(t, 400, "invalid_request", "bad_value",
                          "field '%s' must be a whole number from 1 to %u", key, cfg->llm_ctx);
                goto out;
            }
            t->max_tokens = (unsigned)json_integer_value(v);
        } else if (strcmp(key, "temperature") == 0) {
            if (!number_in(v, 0, 2, &d)) {
                turn_fail(t, 400, "invalid_request", "bad_value",
                          "field 'temperature' must be a number from 0 to 2");
                goto out;
            }
            t->temperature = (float)d;
        } else if (strcmp(key, "top_p") == 0) {
            if (!number_in(v, 0, 1, &d) || d == 0) {
                turn_fail(t, 400, "invalid_request", "bad_value",
                          "field 'top_p' must be a number above 0 and at most 1");
                goto out;
            }
            t->top_p = (float)d;
        } else if (strcmp(key, "seed") == 0) {
            if (!json_is_integer(v)) {
                turn_fail(t, 400, "invalid_request", "bad_type",
                          "field 'seed' must be a whole number");
                goto out;
            }
            t->seed = (uint64_t)json_integer_value(v);
        } else if (strcmp(key, "n") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) != 1) {
                turn_fail(t, 400, "invalid_request", "bad_value",
                          "field 'n' must be 1 (one answer per request)");
                goto out;
            }
        } else if (strcmp(key, "stop") == 0) {
            json_t *one = json_is_string(v) ? v : NULL;
            size_t n = one ? 1 : json_array_size(v);
            if ((!one && !json_is_array(v)) || n > LLM_MAX_STOP) {
                turn_fail(t, 400, "invalid_request", "bad_value",
                          "field 'stop' must be a string or an array of up to %d strings",
                          LLM_MAX_STOP);
                goto out;
            }
            for (size_t i = 0; i < n; i++) {
                json_t *s = one ? one : json_array_get(v, i);
                if (!json_is_string(s) || json_string_length(s) == 0 ||
                    json_string_length(s) > MAX_STOP_BYTES ||
                    strlen(json_string_value(s)) != json_string_length(s)) {
                    turn_fail(t, 400, "invalid_request", "bad_value",
                              "each stop string must be 1 to %d bytes", MAX_STOP_BYTES);
                    goto out;
                }
                t->stop[t->n_stop++] =
                    arena_strndup(&t->arena, json_string_value(s), json_string_length(s));
            }
        } else if (strcmp(key, "user") == 0 || strcmp(key, "session") == 0 ||
                   strcmp(key, "lang") == 0) {
            if (!json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) > MAX_ID_BYTES) {
                turn_fail(t, 400, "invalid_request", "bad_value",
                          "field '%s' must be a string of 1 to %d bytes", key, MAX_ID_BYTES);
                goto out;
            }
            if (bad_text(t, key, json_string_value(v), json_string_length(v)))
                goto out;
            const char *s = arena_strndup(&t->arena, json_string_value(v), json_string_length(v));
            if (key[0] == 'u') {
                t->user = s;
                t->subject = s; /* OpenAI's "user" names the end user: the data subject */
            } else if (key[0] == 's') {
                t->session = s;
            } else {
                t->lang = text_lang_parse(json_string_value(v), json_string_length(v));
                if (t->lang == TEXT_LANG_UNKNOWN) {
                    turn_fail(t, 400, "invalid_request", "bad_value",
                              "lang must be \"de\" or \"en\"");
                    goto out;
                }
            }
        } else {
            turn_fail(t, 400, "invalid_request", "unknown_field", "unknown field '%.*s'",
                      quote_len(key, 64), key);
            goto out;
        }
    }
    json_t *msgs = json_object_get(body, "messages");
    if (!msgs) {
        turn_fail(t, 400, "invalid_request", "missing_field", "field 'messages' is required");
        goto out;
    }
    res = parse_messages(t, msgs);
out:
    json_decref(body);
    return res;
}

/* ---- replies ------------------------------------------------------------------------- */

static const char *finish_reason(const struct turn *t)
{
    if (t->corrected)
        return "content_filter"; /* OpenAI's word for an answer a filter stopped */
    switch (t->finish) {
    case LLM_FINISH_LENGTH:
    case LLM_FINISH_DEADLINE:
        return "length";
    case LLM_FINISH_CUT:
    case LLM_FINISH_CANCELLED:
        return "error";
    case LLM_FINISH_STOP:
        break;
    }
    return "stop";
}

ag_err chat_render(struct turn *t, json_t *agentgate, struct buf *out)
{
    char id[48];
    snprintf(id, sizeof(id), "chatcmpl-%s", t->trace_id);
    uint32_t pt = t->usage.prompt_tokens, ct = t->usage.completion_tokens;
    json_t *o =
        json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s, s:s}, s:s}], s:{s:i, s:i, s:i}, s:O}",
                  "id", id, "object", "chat.completion", "created", (json_int_t)t->created, "model",
                  t->env->model_id, "choices", "index", 0, "message", "role", "assistant",
                  "content", t->answer.text ? t->answer.text : "", "finish_reason",
                  finish_reason(t), "usage", "prompt_tokens", (int)pt, "completion_tokens", (int)ct,
                  "total_tokens", (int)(pt + ct), "agentgate", agentgate);
    if (!o)
        return AG_ENOMEM;
    ag_err rc = json_dump_buf(o, out);
    json_decref(o);
    return rc;
}

ag_err chat_sse_chunk(const struct turn *t, const char *role, const char *text, size_t n,
                      const char *finish, struct buf *out)
{
    ag_err rc = buf_printf(out,
                           "data: {\"id\":\"chatcmpl-%s\",\"object\":\"chat.completion.chunk\","
                           "\"created\":%lld,\"model\":\"",
                           t->trace_id, (long long)t->created);
    rc = rc ? rc : buf_append_json_escaped(out, t->env->model_id, strlen(t->env->model_id));
    rc = rc ? rc : buf_append_str(out, "\",\"choices\":[{\"index\":0,\"delta\":{");
    if (role)
        rc = rc ? rc : buf_printf(out, "\"role\":\"%s\"%s", role, text ? "," : "");
    if (text) {
        rc = rc ? rc : buf_append_str(out, "\"content\":\"");
        rc = rc ? rc : buf_append_json_escaped(out, text, n);
        rc = rc ? rc : buf_putc(out, '"');
    }
    rc = rc ? rc : buf_append_str(out, "},\"finish_reason\":");
    if (finish)
        rc = rc ? rc : buf_printf(out, "\"%s\"", finish);
    else
        rc = rc ? rc : buf_append_str(out, "null");
    return rc ? rc : buf_append_str(out, "}]}\n\n");
}

/* The correction event of a streamed answer the output guard stopped: a chunk whose
 * content tells the customer the answer ends here, with "agentgate": {"correction":
 * {"why", "support"}} for programs: the failing sentence is never sent, nor any detail
 * that would quote it. */
static ag_err correction_event(const struct turn *t, struct buf *out)
{
    const char *text = out_correction_text(t->lang);
    char id[48];
    snprintf(id, sizeof(id), "chatcmpl-%s", t->trace_id);
    json_t *ev = json_pack("{s:s, s:s, s:I, s:s, s:[{s:i, s:{s:s}, s:n}], s:{s:{s:s, s:f}}}", "id",
                           id, "object", "chat.completion.chunk", "created", (json_int_t)t->created,
                           "model", t->env->model_id, "choices", "index", 0, "delta", "content",
                           text, "finish_reason", "agentgate", "correction", "why",
                           t->correction.why ? t->correction.why : "check_failed", "support",
                           t->correction.support);
    if (!ev)
        return AG_ENOMEM;
    ag_err rc = buf_append_str(out, "data: ");
    rc = rc ? rc : json_dump_buf(ev, out);
    rc = rc ? rc : buf_append_str(out, "\n\n");
    json_decref(ev);
    return rc;
}

ag_err chat_stream_tail(struct turn *t, json_t *agentgate, struct buf *out)
{
    bool cut = t->finish == LLM_FINISH_CUT || t->finish == LLM_FINISH_CANCELLED;
    ag_err rc = AG_OK;
    if (t->status == 200 && !cut && t->corrected)
        rc = correction_event(t, out);
    if (rc == AG_OK && t->status == 200 && !cut)
        rc = chat_sse_chunk(t, NULL, NULL, 0, finish_reason(t), out);
    if (rc == AG_OK && t->status == 200 && t->include_usage) {
        uint32_t pt = t->usage.prompt_tokens, ct = t->usage.completion_tokens;
        rc = buf_printf(out,
                        "data: {\"id\":\"chatcmpl-%s\",\"object\":\"chat.completion.chunk\","
                        "\"created\":%lld,\"model\":\"",
                        t->trace_id, (long long)t->created);
        rc = rc ? rc : buf_append_json_escaped(out, t->env->model_id, strlen(t->env->model_id));
        rc = rc ? rc
                : buf_printf(out,
                             "\",\"choices\":[],\"usage\":{\"prompt_tokens\":%u,"
                             "\"completion_tokens\":%u,\"total_tokens\":%u}}\n\n",
                             pt, ct, pt + ct);
    }
    json_t *ev = NULL;
    if (rc == AG_OK && (t->status != 200 || cut)) {
        const char *code = t->status != 200              ? (t->err_code ? t->err_code : "error")
                           : t->finish == LLM_FINISH_CUT ? "stream_cut"
                                                         : "cancelled";
        const char *msg = t->status != 200 ? t->err_message
                          : t->finish == LLM_FINISH_CUT
                              ? "the model server broke off the answer; it is incomplete"
                              : "the answer was cancelled";
        ev = json_pack("{s:{s:s, s:s, s:s}, s:O}", "error", "type",
                       t->status != 200 ? (t->err_type ? t->err_type : "error") : "upstream_error",
                       "message", msg, "code", code, "agentgate", agentgate);
    } else if (rc == AG_OK) {
        char id[48];
        snprintf(id, sizeof(id), "chatcmpl-%s", t->trace_id);
        ev = json_pack("{s:s, s:s, s:I, s:s, s:[], s:O}", "id", id, "object",
                       "chat.completion.chunk", "created", (json_int_t)t->created, "model",
                       t->env->model_id, "choices", "agentgate", agentgate);
    }
    if (rc == AG_OK && !ev)
        rc = AG_ENOMEM;
    rc = rc ? rc : buf_append_str(out, "data: ");
    rc = rc ? rc : json_dump_buf(ev, out);
    rc = rc ? rc : buf_append_str(out, "\n\n");
    if (rc == AG_OK && t->status == 200 && !cut)
        rc = buf_append_str(out, "data: [DONE]\n\n");
    json_decref(ev);
    return rc;
}
