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

void pacectl_init(struct pacectl *pc)
{
	pc->pace = 1.0;
	pc->integ = 0.0;
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
	double kp = PACECTL_KP, e, p, u;

	if (!isfinite(temp_c) || !(span > 0)) {
		/* Blind or misconfigured: stop the work, keep the memory. */
		pc->pace = 0.0;
		return pc->pace;
	}
	/*
	 * With the fan off the node heats about twice as fast per unit of
	 * pace; halving the gain keeps the loop's damping the same.
	 */
	if (!fan_on)
		kp *= 0.5;
	if (!pc->started) {
		pc->started = true;
		dt_s = 0;
	}
	if (!(dt_s > 0))
		dt_s = 0;
	if (dt_s > PACECTL_DT_MAX_S)
		dt_s = PACECTL_DT_MAX_S;

	e = (target_c - temp_c) / span;
	p = kp * e;
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
		pc->integ = -p;
	pc->integ = pacectl_clamp(pc->integ, 0.0, 1.0);
	u = pacectl_clamp(pc->integ + p, 0.0, 1.0);
	if (temp_c >= limit_c)
		u = 0.0;
	pc->pace = u;
	return u;
}
