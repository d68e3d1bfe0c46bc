/* sensors.h: sysfs thermal zones, Pi throttle flags, cpufreq, load. */
#ifndef PIRACK_SENSORS_H
#define PIRACK_SENSORS_H

#include <stdint.h>
#include "sample.h"

/*
 * Reads the zones (NULL or "all": every class/thermal/thermal_zone*, else a
 * comma list of zone names) under sysfs_root, the firmware throttle flags
 * when present, cpufreq and /proc/loadavg into *s (seq and ts untouched).
 * A missing or garbled zone sets s->fault and s->fault_msg (the first
 * problem, naming the file relative to sysfs_root and the cause); never
 * aborts. s->temp_c is the max over the zones that could be read, NAN when
 * none could. A missing throttle, cpufreq or loadavg file only means
 * "unknown" (not every machine is a Pi); a garbled one is a fault.
 * Returns 0, or -1 when s->fault is set. No agent state: libpirackpace
 * calls it too.
 */
int sensors_read(const char *sysfs_root, const char *zones, struct sample *s);

/*
 * The same, reading loadavg under proc_root instead of /proc (tests point
 * both roots at a fake tree). proc_root NULL means "/proc".
 */
int sensors_read_at(const char *sysfs_root, const char *proc_root,
		    const char *zones, struct sample *s);

/* A temperature outside [min_c, max_c] is a broken sensor: a fault. */
#define SENSORS_MIN_C_DEFAULT -20.0
#define SENSORS_MAX_C_DEFAULT 125.0

struct sensors_opts {
	const char *sysfs_root; /* NULL or "": /sys */
	const char *proc_root;	/* NULL or "": /proc */
	const char *zones;	/* NULL, "" or "all": every zone */
	double min_c, max_c;	/* the plausible range */
};

/* sensors_read_at with every option spelled out (the agent's form). */
int sensors_read_opts(const struct sensors_opts *o, struct sample *s);

/*
 * A simulated node's own clock ([thermal] source = sim): pirack-simnode
 * keeps the plant's time, whole microseconds since it started, in
 * sysfs_root/SENSORS_SIM_CLOCK; a loaded host may run it slower than the
 * wall clock times [sim] time_scale. Returns 0 with *us set, -1 when the
 * file is missing, unreadable or garbled (a real node has none).
 */
#define SENSORS_SIM_CLOCK "pirack-sim/clock_us"
int sensors_sim_clock(const char *sysfs_root, long long *us);

#endif
