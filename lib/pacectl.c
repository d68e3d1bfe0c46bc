/* pacectl.c: the pacing controller, a PI loop from temperature to pace. */
#include <math.h>
#include "pacectl.h"

/*
 * Gains are in units of the band span = limit_c - target_c, so one
 * tuning fits any target/limit pair: the proportional part alone gives
 * pace 1 a full span below target and pace 0 at limit_c.
 */
#define PACECTL_KP 1.0
/*
 * Integral time: near the slow (heatsink) time constant of a Pi, tens of
 * seconds, so the integral finds the sustainable pace without winding up
 * against the fast die temperature.
 */
#define PACECTL_TI_S 30.0
/* Longer gaps (suspend, a stalled caller) are not integrated as one step. */
#define PACECTL_DT_MAX_S 5.0
/*
 * The proportional band is the span, but never narrower than this: with
 * target_c 3 K under limit_c a 3 K band would give the loop almost four
 * times the gain it was tuned for, and it would oscillate once the pace
 * reaches the ranks a second or two late (a loaded host).
 */
#define PACECTL_BAND_MIN_K 15.0
/*
 * Prediction horizon: the die's time constant (C_j * R_jb, about 5 s on a
 * Pi 4). After a load step T + tau * dT/dt is the die's new level.
 */
#define PACECTL_HORIZON_S 4.0
/* dT/dt is filtered over this long: sensors are quantised and noisy. */
#define PACECTL_RATE_TAU_S 3.0

void pacectl_init(struct pacectl *pc)
{
	pc->pace = 1.0;
	pc->integ = 0.0;
	pc->last_c = NAN;
	pc->rate = 0.0;
	pc->predicted_c = NAN;
	pc->started = false;
}

static double pacectl_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

double pacectl_update(struct pacectl *pc, double target_c, double limit_c,
		      double temp_c, double dt_s, bool fan_on)
{
	double span = limit_c - target_c;
	double band = span > PACECTL_BAND_MIN_K ? span : PACECTL_BAND_MIN_K;
	double kp = PACECTL_KP, e, ep, p, u, pred;

	if (!isfinite(temp_c) || !(span > 0)) {
		/* Blind or misconfigured: stop the work, keep the memory. */
		pc->pace = 0.0;
		pc->last_c = NAN;
		pc->rate = 0.0;
		return pc->pace;
	}
	/*
	 * With the fan off the node heats about twice as fast per unit of
	 * pace; halving the gain keeps the loop's damping the same.
	 */
	if (!fan_on)
		kp *= 0.5;
	/*
	 * Feed-forward of a fan stopping: the node will sustain about half
	 * the pace it did (the gain above), so the integral, which holds
	 * that pace, halves at once instead of unwinding over Ti while the
	 * heatsink warms. A fan starting needs nothing: the loop then has
	 * headroom, and the integral climbs back.
	 */
	if (pc->started && pc->fan_was_on && !fan_on)
		pc->integ *= 0.5;
	pc->fan_was_on = fan_on;
	if (!pc->started) {
		pc->started = true;
		dt_s = 0;
	}
	if (!(dt_s > 0))
		dt_s = 0;
	if (dt_s > PACECTL_DT_MAX_S)
		dt_s = PACECTL_DT_MAX_S;

	if (dt_s > 0 && isfinite(pc->last_c))
		pc->rate += dt_s / (dt_s + PACECTL_RATE_TAU_S) *
			    ((temp_c - pc->last_c) / dt_s - pc->rate);
	if (dt_s > 0 || !isfinite(pc->last_c))
		pc->last_c = temp_c;
	/*
	 * Only a rise is extrapolated: a node cooling fast after a cut is
	 * not yet cool, and trusting the fall would raise the pace early
	 * and overshoot again when the pace reaches the ranks late.
	 */
	pred = temp_c + PACECTL_HORIZON_S * (pc->rate > 0 ? pc->rate : 0);
	pc->predicted_c = pred;

	/* P on where the node is heading, I on where it is. */
	e = (target_c - temp_c) / band;
	ep = (target_c - pred) / band;
	p = kp * ep;
	pc->integ += kp * e * dt_s / PACECTL_TI_S;
	u = pc->integ + p;
	/*
	 * Anti-windup by back-calculation: when the output saturates, the
	 * integral is set to what would put it exactly at the bound. Well
	 * below target that keeps the integral small, so the pace starts
	 * falling as the node approaches target instead of at target.
	 */
	if (u > 1.0)
		pc->integ = 1.0 - p;
	else if (u < 0.0)
		/*
		 * On the measured error: a steep rise (a job starting) drives
		 * the predicted part far below 0, and setting the integral to
		 * cancel that would leave it near 1 once the rise is over,
		 * the pace jumping back up at once.
		 */
		pc->integ = -kp * e;
	pc->integ = pacectl_clamp(pc->integ, 0.0, 1.0);
	u = pacectl_clamp(pc->integ + p, 0.0, 1.0);
	if (temp_c >= limit_c || pred >= limit_c)
		u = 0.0;
	pc->pace = u;
	return u;
}
