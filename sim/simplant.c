/* simplant.c: the pure two-node thermal model of one simulated Pi. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "simplant.h"

/*
 * Sources of the constants.
 *
 * Power: Raspberry Pi 4B draws about 2.7 W idle and 6.2 W with four cores
 * busy (stressberry runs; Raspberry Pi product brief), so +3.5 W from idle
 * to full load; Raspberry Pi 5 2.8 W idle, 9.7 W under stress-ng
 * (Raspberry Pi's Pi 5 launch power figures), so +6.9 W.
 *
 * Pi 4 thermal constants: fitted to public stressberry temperature logs
 * (Nico Schlömer's stressberry; Martin Rowan's 2019 case tests; Pimoroni's
 * Fan SHIM heat-up curves): a bare board rises about 26 K from idle under
 * full load with a time constant near 100 s, a large heatsink is slow
 * (~400 s) and barely better at steady state, a fan on the heatsink cuts
 * the rise to under 10 K within about a minute and a half.
 *   pi4-bare          R_jb 3.3 K/W, C_j 1.6 J/K, R_ba 4.1 K/W, C_b 25 J/K:
 *                     load rise 3.5 W * 7.4 K/W = 25.9 K
 *   pi4-heatsink-fan  R_jb 1.7; fan off R_ba 5.0, C_b 81 (rise 23.5 K);
 *                     fan on R_ba 0.8, C_b 100 (rise 8.8 K)
 * Idle rise above ambient, calibrated apart from the load fit from the
 * idle plateaus of the same logs: bare ~20 K, heatsink ~14 K, heatsink
 * with fan ~5 K.
 *
 * A bare board in a closed rack gets a little air from the rack fan: its
 * fan-on R_ba (3.0 K/W, load rise 22 K, 4 K less than still air) is an
 * estimate, as is the matching idle rise (17 K: the idle rise scaled by
 * the total resistance).
 *
 * Pi 5 constants are estimates of the same shape scaled to its power: a
 * bare Pi 5 under stress reaches its 85 degC floor at room temperature in
 * a few minutes (pi5-bare, load rise 6.9 W * 7.5 K/W = 52 K); with the
 * official Active Cooler it stays in the low 60s (pi5-active-cooler, fan
 * on rise 14.5 K, fan off 35.9 K).
 */
/* a profile reads as a table, a pair a line (kept as written) */
/* clang-format off */
const struct simplant_profile simplant_profiles[] = {
	{
		.name = "pi4-bare",
		.about = "Raspberry Pi 4B, bare board; a rack fan blows over it",
		.c_j = 1.6, .r_jb = 3.3,
		.r_ba_off = 4.1, .r_ba_on = 3.0,
		.c_b_off = 25, .c_b_on = 25,
		.idle_off_c = 20, .idle_on_c = 17,
		.p_idle_w = 2.7, .p_load_w = 3.5, .cores = 4,
		.fw = &simfw_pi4, .vf = &simpower_bcm2711,
	},
	{
		.name = "pi4-heatsink-fan",
		.about = "Raspberry Pi 4B, heatsink with a fan on it",
		.c_j = 1.6, .r_jb = 1.7,
		.r_ba_off = 5.0, .r_ba_on = 0.8,
		.c_b_off = 81, .c_b_on = 100,
		.idle_off_c = 14, .idle_on_c = 5,
		.p_idle_w = 2.7, .p_load_w = 3.5, .cores = 4,
		.fw = &simfw_pi4, .vf = &simpower_bcm2711,
	},
	{
		.name = "pi5-bare",
		.about = "Raspberry Pi 5, bare board; a rack fan blows over it",
		.c_j = 2.0, .r_jb = 2.0,
		.r_ba_off = 5.5, .r_ba_on = 3.5,
		.c_b_off = 30, .c_b_on = 30,
		.idle_off_c = 26, .idle_on_c = 19,
		.p_idle_w = 2.8, .p_load_w = 6.9, .cores = 4,
		.fw = &simfw_pi5, .vf = &simpower_bcm2712,
	},
	{
		.name = "pi5-active-cooler",
		.about = "Raspberry Pi 5 with the official Active Cooler",
		.c_j = 2.0, .r_jb = 1.2,
		.r_ba_off = 4.0, .r_ba_on = 0.9,
		.c_b_off = 60, .c_b_on = 70,
		.idle_off_c = 18, .idle_on_c = 8,
		.p_idle_w = 2.8, .p_load_w = 6.9, .cores = 4,
		.fw = &simfw_pi5, .vf = &simpower_bcm2712,
	},
	{ .name = NULL },
};
/* clang-format on */

const struct simplant_profile *simplant_profile_find(const char *name)
{
	for (const struct simplant_profile *p = simplant_profiles; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

void simplant_profile_names(char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (const struct simplant_profile *p = simplant_profiles; p->name;
	     p++) {
		int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
				 p->name);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
}

static double simplant_clamp01(double x)
{
	if (!(x > 0)) /* also NaN */
		return 0;
	return x > 1 ? 1 : x;
}

static double simplant_lerp(double off, double on, double fan)
{
	return off + (on - off) * fan;
}

double simplant_steady_c(const struct simplant_profile *p, double ambient_c,
			 double load, double fan)
{
	fan = simplant_clamp01(fan);
	return ambient_c + simplant_lerp(p->idle_off_c, p->idle_on_c, fan) +
	       p->p_load_w * simplant_clamp01(load) *
		   (p->r_jb + simplant_lerp(p->r_ba_off, p->r_ba_on, fan));
}

void simplant_init(struct simplant *s, const struct simplant_profile *p,
		   double ambient_c, double fan)
{
	s->p = p;
	s->ambient_c = ambient_c;
	s->tj = s->tb = simplant_steady_c(p, ambient_c, 0, fan);
}

struct simplant_in {
	double power, tref, r_jb, r_ba, c_j, c_b;
};

static void simplant_deriv(const struct simplant_in *in, double tj, double tb,
			   double *dtj, double *dtb)
{
	double q_jb = (tj - tb) / in->r_jb;

	*dtj = (in->power - q_jb) / in->c_j;
	*dtb = (q_jb - (tb - in->tref) / in->r_ba) / in->c_b;
}

void simplant_step(struct simplant *s, double load, double fan, double dt_s)
{
	simplant_step_w(s, s->p->p_load_w * simplant_clamp01(load), fan, dt_s);
}

void simplant_step_w(struct simplant *s, double power_w, double fan,
		     double dt_s)
{
	const struct simplant_profile *p = s->p;
	struct simplant_in in;
	double h_max, h, tau_j, tau_b;
	long n;

	if (!(dt_s > 0))
		return;
	fan = simplant_clamp01(fan);
	in.power = power_w > 0 ? power_w : 0;
	in.tref =
	    s->ambient_c + simplant_lerp(p->idle_off_c, p->idle_on_c, fan);
	in.r_jb = p->r_jb;
	in.r_ba = simplant_lerp(p->r_ba_off, p->r_ba_on, fan);
	in.c_j = p->c_j;
	in.c_b = simplant_lerp(p->c_b_off, p->c_b_on, fan);

	/*
	 * Classic RK4 in steps a tenth of the fastest time constant: accurate
	 * to far below a millikelvin, so one call of 10 s and a hundred calls
	 * of 0.1 s agree (what time_scale relies on).
	 */
	/* not fmin(): keeps pirackd free of libm (0.3 MiB of RSS) */
	tau_j = in.c_j * in.r_jb;
	tau_b = in.c_b * in.r_ba;
	h_max = 0.1 * (tau_j < tau_b ? tau_j : tau_b);
	n = (long)ceil(dt_s / h_max);
	h = dt_s / (double)n;
	for (long i = 0; i < n; i++) {
		double k1j, k1b, k2j, k2b, k3j, k3b, k4j, k4b;
		double tj = s->tj, tb = s->tb;

		simplant_deriv(&in, tj, tb, &k1j, &k1b);
		simplant_deriv(&in, tj + h / 2 * k1j, tb + h / 2 * k1b, &k2j,
			       &k2b);
		simplant_deriv(&in, tj + h / 2 * k2j, tb + h / 2 * k2b, &k3j,
			       &k3b);
		simplant_deriv(&in, tj + h * k3j, tb + h * k3b, &k4j, &k4b);
		s->tj = tj + h / 6 * (k1j + 2 * k2j + 2 * k3j + k4j);
		s->tb = tb + h / 6 * (k1b + 2 * k2b + 2 * k3b + k4b);
	}
}
