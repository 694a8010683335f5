// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_util.h: helpers the unit tests share, all static and prefixed tu_.
 * A seeded PRNG (splitmix64; TEST_SEED=n replays a failure, TU_PROP_CHECK names the seed),
 * mkdtemp folders and rm -r for them, paths in a folder, small files written and read back.
 */
#ifndef AG_TESTS_UNIT_TEST_UTIL_H
#define AG_TESTS_UNIT_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"

/* ---- seeded PRNG (splitmix64) -------------------------------------------------------- */

static uint64_t tu_seed, tu_rng;

/* Seed from TEST_SEED, else from the clock and pid; tu_seed keeps it for the replay line. */
static inline void tu_rng_seed(void)
{
    const char *s = getenv("TEST_SEED");
    tu_seed = s && *s ? strtoull(s, NULL, 10) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    tu_rng = tu_seed;
}

static inline uint64_t tu_rng_next(void)
{
    uint64_t z = (tu_rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static inline size_t tu_rng_below(size_t n)
{
    return (size_t)(tu_rng_next() % n);
}

#define TU_PROP_CHECK(cond)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail_msg("%s:%d: property failed: %s (replay: TEST_SEED=%" PRIu64 ")", __FILE__,       \
                     __LINE__, #cond, tu_seed);                                                    \
    } while (0)

/* ---- folders and files ----------------------------------------------------------------- */

/* dir gets tmpl ("...XXXXXX") made unique by mkdtemp; NULL when it does not fit or fails. */
static inline char *tu_mkdtemp(char *dir, size_t n, const char *tmpl)
{
    int w = snprintf(dir, n, "%s", tmpl);
    if (w < 0 || (size_t)w >= n)
        return NULL;
    return mkdtemp(dir);
}

/* A tiny random-weight Llama GGUF from tests/tools/gen_tiny_model (CTest sets
 * AG_GEN_TINY_MODEL and AG_LLAMA_MODELS): a new folder from tmpl into dir, the model at
 * dir/tiny.gguf into model, with the bundle's vocabulary vocab, width n_embd and seed.
 * 0 on success, -1 (with a message) otherwise. */
static inline int tu_tiny_model(char *dir, size_t dir_n, const char *tmpl, char *model,
                                size_t model_n, const char *vocab, int n_embd, int seed)
{
    const char *gen = getenv("AG_GEN_TINY_MODEL"), *models = getenv("AG_LLAMA_MODELS");
    if (!gen || !models) {
        fprintf(stderr, "AG_GEN_TINY_MODEL and AG_LLAMA_MODELS must be set (CTest sets them)\n");
        return -1;
    }
    if (!tu_mkdtemp(dir, dir_n, tmpl))
        return -1;
    int w = snprintf(model, model_n, "%s/tiny.gguf", dir);
    char cmd[2048];
    int c = snprintf(cmd, sizeof(cmd), "'%s' '%s/%s' '%s' %d %d", gen, models, vocab, model, n_embd,
                     seed);
    if (w < 0 || (size_t)w >= model_n || c < 0 || (size_t)c >= sizeof(cmd))
        return -1;
    return system(cmd) == 0 ? 0 : -1;
}

/* rm -r, for a mkdtemp folder (links are removed, never followed); rmdir()'s result. */
static inline int tu_remove_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[1024];
        struct stat st;
        int w = snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
        if (w < 0 || (size_t)w >= sizeof(sub))
            continue;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            tu_remove_tree(sub);
        else
            unlink(sub);
    }
    if (d)
        closedir(d);
    return rmdir(path);
}

/* out gets "dir/name"; false when it does not fit. */
static inline bool tu_path(char *out, size_t n, const char *dir, const char *name)
{
    int w = snprintf(out, n, "%s/%s", dir, name);
    return w > 0 && (size_t)w < n;
}

/* $AG_SOURCE_DIR (the repo root, set by CTest), or NULL with a note on stderr. */
static inline const char *tu_source_dir(void)
{
    const char *src = getenv("AG_SOURCE_DIR");
    if (!src)
        fprintf(stderr, "AG_SOURCE_DIR is not set (CTest sets it to the repo root)\n");
    return src;
}

/* Write text to path, replacing the file; every step must succeed. */
static inline void tu_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* Append the bytes of file path (if it exists) to b. */
static inline void tu_append_file(struct buf *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        assert_int_equal(buf_append(b, chunk, got), AG_OK);
    fclose(f);
}

/* A TCP port on 127.0.0.1 that was free a moment ago (for a test's own server), or 0. */
static inline unsigned tu_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* ---- bytes and strings ----------------------------------------------------------------- */

/* The first place needle (m bytes) stands in hay (n bytes), or NULL. */
static inline const void *tu_find_bytes(const void *hay, size_t n, const void *needle, size_t m)
{
    const char *h = hay;
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(h + i, needle, m) == 0)
            return h + i;
    return NULL;
}

/* A malloc'd NUL-terminated copy of n bytes at p (the test fails when memory runs out). */
static inline char *tu_strndup(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* tu_strndup of a C string; NULL stays NULL. */
static inline char *tu_strdup(const char *p)
{
    return p ? tu_strndup(p, strlen(p)) : NULL;
}

#endif
