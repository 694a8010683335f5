/* core/clock.h: monotonic time for durations and wall time for records. */
#ifndef AG_CORE_CLOCK_H
#define AG_CORE_CLOCK_H

#include <stdint.h>

/* Monotonic nanoseconds (CLOCK_MONOTONIC); only differences are meaningful. */
uint64_t clock_mono_ns(void);
/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t clock_wall_ms(void);

#endif
