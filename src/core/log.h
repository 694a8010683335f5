/*
 * core/log.h: levelled diagnostics on stderr, one line each:
 *   2026-11-28T16:00:00Z warn module: event key=value trace=<id>
 * The macros test the level before formatting. Never log prompts, answers, PII or secrets.
 * THREADS: log_write is safe from any thread (one write(2) per line).
 */
#ifndef AG_CORE_LOG_H
#define AG_CORE_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

extern enum log_level log_min_level;

void log_write(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "debug", "info", "warn", "error" or "off"; returns -1 for anything else. */
int log_level_parse(const char *s);

#define log_at(lvl, ...)                                                                           \
    do {                                                                                           \
        if ((lvl) >= log_min_level)                                                                \
            log_write((lvl), __VA_ARGS__);                                                         \
    } while (0)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_at(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_at(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)

#endif
