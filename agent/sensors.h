/* sensors.h: sysfs thermal zones, Pi throttle flags, cpufreq, load. */
#ifndef PIRACK_SENSORS_H
#define PIRACK_SENSORS_H

#include <stdint.h>
#include "sample.h"

/*
 * Reads the zones (NULL or "all": every class/thermal/thermal_zone*, else a
 * comma list of zone names) under sysfs_root, the firmware throttle flags
 * when present, cpufreq and /proc/loadavg into *s (seq and ts untouched).
 * A missing or garbled zone sets s->fault and s->fault_msg; never aborts.
 * Returns 0, or -1 when s->fault is set. No agent state: libpirackpace
 * calls it too.
 */
int sensors_read(const char *sysfs_root, const char *zones, struct sample *s);

/* Decodes the firmware's get_throttled word. */
void throttle_decode(uint32_t raw, struct throttle *t);

#endif
