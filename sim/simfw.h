/* simfw.h: the simulated Pi firmware's thermal throttling, pure. */
#ifndef PIRACK_SIMFW_H
#define PIRACK_SIMFW_H

#include <stddef.h>
#include <stdint.h>

#define SIMFW_MAX_CLOCKS 8

/* get_throttled bits (Raspberry Pi firmware, vcgencmd get_throttled). */
#define SIMFW_CAPPED 0x2u     /* ARM frequency capped now */
#define SIMFW_THROTTLED 0x4u  /* throttled now (hard limit) */
#define SIMFW_SOFT_LIMIT 0x8u /* soft temperature limit active */
#define SIMFW_SEEN_SHIFT 16   /* the same bits, since boot */

struct simfw_model {
	const char *name;
	int clocks_mhz[SIMFW_MAX_CLOCKS]; /* full speed first */
	int nclocks;
	double soft_c; /* steps down while at or above */
	double hard_c; /* floored at or above */
	double hyst_c; /* steps back up below soft_c - hyst_c */
	double step_s; /* seconds between steps */
};

extern const struct simfw_model simfw_pi4, simfw_pi5;

enum simfw_regime { SIMFW_UP, SIMFW_HOLD, SIMFW_DOWN, SIMFW_FLOOR };

struct simfw {
	const struct simfw_model *m;
	int step; /* index into clocks_mhz */
	enum simfw_regime regime;
	double in_regime_s; /* time since the last step in this regime */
	uint32_t now;	    /* bits 0..3 */
	uint32_t seen;	    /* bits 16..19 */
};

void simfw_init(struct simfw *f, const struct simfw_model *m);
/* Advances dt_s seconds with the die at temp_c. */
void simfw_update(struct simfw *f, double temp_c, double dt_s);
int simfw_clock_mhz(const struct simfw *f);
/* Current clock over full clock: the fraction of full speed the cores run. */
double simfw_speed(const struct simfw *f);
/* The get_throttled word: bits now | bits since boot. */
uint32_t simfw_throttled(const struct simfw *f);
/*
 * The clocks a Pi's cpufreq driver lists (scaling_available_frequencies):
 * raspberrypi-cpufreq (Linux, drivers/cpufreq/raspberrypi-cpufreq.c)
 * registers one every 100 MHz from the firmware's lowest clock to its
 * highest. Into khz ascending, at most max; returns how many.
 */
size_t simfw_cpufreq_khz(const struct simfw_model *m, long *khz, size_t max);

#endif
