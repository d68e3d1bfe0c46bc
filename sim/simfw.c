/* simfw.c: the simulated Pi firmware's thermal throttling, pure. */
#include <stddef.h>
#include "simfw.h"

/*
 * Raspberry Pi documentation ("Frequency management and thermal control"):
 * from 80 degC the firmware lowers the ARM clock step by step, at 85 degC
 * it throttles to the floor; the get_throttled word has bit 1 "ARM
 * frequency capped", bit 2 "currently throttled", bit 3 "soft temperature
 * limit active", and bits 17-19 the same since boot. Pi 4 clock steps as
 * observed in stressberry logs (1500 -> 1000 -> 750 -> 600 MHz); Pi 5 from
 * 2400 down to its 1500 MHz floor (approximate steps). A step every second
 * and 2 K of hysteresis approximate the firmware's control period.
 */
const struct simfw_model simfw_pi4 = {
	.name = "pi4",
	.clocks_mhz = { 1500, 1000, 750, 600 },
	.nclocks = 4,
	.soft_c = 80,
	.hard_c = 85,
	.hyst_c = 2,
	.step_s = 1,
};

const struct simfw_model simfw_pi5 = {
	.name = "pi5",
	.clocks_mhz = { 2400, 2000, 1800, 1500 },
	.nclocks = 4,
	.soft_c = 80,
	.hard_c = 85,
	.hyst_c = 2,
	.step_s = 1,
};

void simfw_init(struct simfw *f, const struct simfw_model *m)
{
	f->m = m;
	f->step = 0;
	f->regime = SIMFW_HOLD;
	f->in_regime_s = 0;
	f->now = 0;
	f->seen = 0;
}

static enum simfw_regime simfw_regime(const struct simfw_model *m, double t)
{
	if (t >= m->hard_c)
		return SIMFW_FLOOR;
	if (t >= m->soft_c)
		return SIMFW_DOWN;
	if (t < m->soft_c - m->hyst_c)
		return SIMFW_UP;
	return SIMFW_HOLD;
}

void simfw_update(struct simfw *f, double temp_c, double dt_s)
{
	const struct simfw_model *m = f->m;
	enum simfw_regime r = simfw_regime(m, temp_c);

	if (r != f->regime) {
		/* entering a regime acts at once, then once per step_s */
		f->regime = r;
		f->in_regime_s = m->step_s;
	} else {
		f->in_regime_s += dt_s;
	}
	if (r == SIMFW_FLOOR) {
		f->step = m->nclocks - 1;
	} else if (r != SIMFW_HOLD) {
		while (f->in_regime_s >= m->step_s) {
			f->in_regime_s -= m->step_s;
			if (r == SIMFW_DOWN && f->step < m->nclocks - 1)
				f->step++;
			else if (r == SIMFW_UP && f->step > 0)
				f->step--;
		}
	}

	f->now = 0;
	if (f->step > 0)
		f->now |= SIMFW_CAPPED;
	if (r == SIMFW_DOWN || r == SIMFW_FLOOR)
		f->now |= SIMFW_SOFT_LIMIT;
	if (r == SIMFW_FLOOR)
		f->now |= SIMFW_THROTTLED;
	f->seen |= f->now << SIMFW_SEEN_SHIFT;
}

int simfw_clock_mhz(const struct simfw *f)
{
	return f->m->clocks_mhz[f->step];
}

double simfw_speed(const struct simfw *f)
{
	return (double)f->m->clocks_mhz[f->step] / f->m->clocks_mhz[0];
}

uint32_t simfw_throttled(const struct simfw *f)
{
	return f->now | f->seen;
}

/* raspberrypi-cpufreq's RASPBERRYPI_FREQ_INTERVAL */
#define SIMFW_CPUFREQ_STEP_MHZ 100

size_t simfw_cpufreq_khz(const struct simfw_model *m, long *khz, size_t max)
{
	size_t n = 0;

	for (int mhz = m->clocks_mhz[m->nclocks - 1];
	     mhz <= m->clocks_mhz[0] && n < max; mhz += SIMFW_CPUFREQ_STEP_MHZ)
		khz[n++] = mhz * 1000L;
	return n;
}
