/* simpower.h: a simulated Pi's power from its clock and voltage, pure. */
#ifndef PIRACK_SIMPOWER_H
#define PIRACK_SIMPOWER_H

#define SIMPOWER_MAX_POINTS 8

/*
 * A SoC's voltage/frequency curve: the core voltage the firmware's DVFS
 * supplies at each ARM clock, lowest clock first; between points linear,
 * outside them the end value.
 */
struct simpower_vf {
	const char *soc;
	int mhz[SIMPOWER_MAX_POINTS];
	double volts[SIMPOWER_MAX_POINTS];
	int n;
};

extern const struct simpower_vf simpower_bcm2711, simpower_bcm2712;

/* The core voltage at mhz. */
double simpower_volts(const struct simpower_vf *vf, int mhz);

/*
 * Dynamic power above idle, P = C f V(f)^2 with C fixed by the calibration
 * at full clock: load_w (all cores busy at max_mhz) times load (0..1),
 * times f/f_max, times (V(f)/V(f_max))^2. A lower clock, from the
 * firmware or a cpufreq cap, lowers both factors.
 */
double simpower_dynamic_w(const struct simpower_vf *vf, double load_w,
			  double load, int mhz, int max_mhz);

#endif
