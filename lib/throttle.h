/* throttle.h: the Raspberry Pi firmware's get_throttled word, decoded. */
#ifndef PIRACK_THROTTLE_H
#define PIRACK_THROTTLE_H

#include <stdint.h>
#include "sample.h"

/* Decodes the firmware's get_throttled word into *t (and marks it valid). */
void throttle_decode(uint32_t raw, struct throttle *t);

#endif
