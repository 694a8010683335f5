/*
 * core/arena.h: a bump allocator for one turn. Everything allocated from an arena is
 * freed at once by arena_release(). Long-lived state never points into an arena.
 * The arena has a byte cap set at init: allocations past it return NULL.
 * THREADS: an arena belongs to one thread at a time.
 */
#ifndef AG_CORE_ARENA_H
#define AG_CORE_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena {
    struct arena_block *head;
    size_t used, max; /* bytes handed out so far and the cap */
};

void arena_init(struct arena *a, size_t max);
/* n bytes aligned for any type; NULL when out of memory or over the cap. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t count, size_t size);
/* A NUL-terminated copy of p[0..n). */
char *arena_strndup(struct arena *a, const char *p, size_t n);
void arena_release(struct arena *a);

#endif
