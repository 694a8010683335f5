// SPDX-License-Identifier: MIT
/* core/log.c: formats one line into a stack buffer and writes it with one write(2). */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum log_level log_min_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

int log_level_parse(const char *s)
{
    for (int i = 0; i <= LOG_OFF; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

void log_write(enum log_level lvl, const char *fmt, ...)
{
    char line[1024];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    size_t n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
    int m = snprintf(line + n, sizeof(line) - n, "%s ", level_names[lvl]);
    if (m > 0 && (size_t)m < sizeof(line) - n)
        n += (size_t)m;
    va_list ap;
    va_start(ap, fmt);
    /* clang-tidy 14 reports every va_list as uninitialised here (a known analyzer false
     * positive with glibc's va_start); the list was started just above. */
    // NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
    m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (m > 0)
        n += (size_t)m < sizeof(line) - n - 1 ? (size_t)m : sizeof(line) - n - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w; /* nowhere to report a failed log write */
}
