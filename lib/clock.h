/* clock.h: the monotonic clock every part of pirack measures time with. */
#ifndef PIRACK_CLOCK_H
#define PIRACK_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC): never jumps with the date. */
uint64_t clock_ms(void);
/* The same clock in seconds, for rates and durations in floating point. */
double clock_s(void);

#endif
