/* core/clock.h: monotonic time for durations and wall time for records. */
#ifndef AG_CORE_CLOCK_H
#define AG_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic nanoseconds (CLOCK_MONOTONIC); only differences are meaningful. */
uint64_t clock_mono_ns(void);
/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t clock_wall_ms(void);
/* Now plus ms milliseconds on clock id, normalised: the deadline pthread_cond_timedwait
 * takes (id is the condition variable's clock, CLOCK_REALTIME unless its attributes say). */
struct timespec clock_after_ms(clockid_t id, uint64_t ms);

#endif
