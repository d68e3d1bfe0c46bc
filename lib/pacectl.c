/* pacectl.c: the pacing controller, a PI loop from temperature to pace. */
#include <math.h>
#include "pacectl.h"

/*
 * Gains are in units of a band, so one tuning fits any target/limit pair:
 * the proportional part alone moves the pace by 1 across a band.
 */
#define PACECTL_KP 1.0
/*
 * Integral time under target: near the slow (heatsink) time constant of a
 * Pi, tens of seconds, so the integral finds the sustainable pace without
 * winding up against the fast die temperature. Over target it unwinds six
 * times faster: the integral starts at 1 (a cool node's pace) and must
 * come down to what the node sustains before the heatsink carries the die
 * to the limit, even when the pace reaches the ranks 10-15 s late.
 */
#define PACECTL_TI_S 30.0
#define PACECTL_TI_OVER_S 5.0
/* Longer gaps (suspend, a stalled caller) are not integrated as one step. */
#define PACECTL_DT_MAX_S 5.0
/*
 * The proportional band is the span, but never narrower than this: with
 * target_c 3 K under limit_c a 3 K band would give the loop five times
 * the gain it was tuned for, and it would oscillate once the pace reaches
 * the ranks a few samples late (a loaded host). The integral, starting at
 * 1, keeps the pace at 1 across the part of the band under target.
 */
#define PACECTL_BAND_MIN_K 15.0
/*
 * Prediction horizon: the die's time constant (C_j * R_jb, about 5 s on a
 * Pi 4). After a load step T + tau * dT/dt is the die's new level.
 */
#define PACECTL_HORIZON_S 4.0
/*
 * While the pace is cut at the limit over target, the pace in force was
 * too much for the node: the integral (the pace it sustains) decays with this
 * time constant, so the loop settles under the limit instead of cycling between
 * the cut and a pace it cannot sustain (bursty load, the pace reaching the
 * ranks late).
 */
#define PACECTL_CUT_TAU_S 10.0
/*
 * Full load lifts a Pi's die this far over its board within seconds (the
 * die's own time constant, about 5 s), faster than the loop can answer
 * on a loaded host: the simulated Pi 4 without a fan, 3.5 W over
 * 3.3 K/W, 11.6 K. An estimate, from that model, not a measured Pi.
 */
#define PACECTL_START_RISE_K 10.0
/* dT/dt is filtered over this long: sensors are quantised and noisy. */
#define PACECTL_RATE_TAU_S 3.0

void pacectl_init(struct pacectl *pc)
{
	pc->pace = 1.0;
	pc->integ = 1.0; /* a cool node sustains full pace */
	pc->last_c = NAN;
	pc->rate = 0.0;
	pc->predicted_c = NAN;
	pc->started = false;
	pc->guessed = false;
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
	double kp = PACECTL_KP, e, p, u, pred;

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
	 * headroom, and the integral climbs back. Only within the band
	 * under target, where the integral is what holds the pace: a fan
	 * stopping on a cool node (an agent's fail-safe fan at start) says
	 * nothing about the pace it sustains at target.
	 */
	if (pc->started && pc->fan_was_on && !fan_on &&
	    temp_c > target_c - band)
		pc->integ *= 0.5;
	pc->fan_was_on = fan_on;
	if (!pc->started) {
		/*
		 * No history (a job pacing itself from sysfs starts here): a
		 * node over target is assumed to sustain only what the span
		 * left above it allows, 0 at the limit, rather than 1.
		 */
		pc->integ = pacectl_clamp((limit_c - temp_c) / span, 0.0, 1.0);
		/* the fan before any reading is pirackd's fail-safe, not a
		 * fan the node ran with: its stop is no news */
		pc->fan_was_on = false;
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

	/*
	 * P on where the node is heading, I on where it is. The integral is
	 * the pace the node sustains at target: 1 while it is cool, so the
	 * pace stays 1 until the prediction passes target, then falls by the
	 * proportional part at once and by the integral, quickly, as long as
	 * the node stays over target.
	 * Clamped to [0, 1], never wound back from the output: well below
	 * target, tying it to a saturated output would leave it near 0 and
	 * cut the pace of a cool node (the old loop's 1.4x on short jobs).
	 */
	p = kp * (target_c - pred) / band;
	e = (target_c - temp_c) / band;
	/*
	 * A job's start capped the integral from a guess (pacectl_job_start):
	 * until the node first reaches target it climbs as fast as it
	 * unwinds over target, so a node that sustains more soon gets it.
	 */
	if (temp_c >= target_c)
		pc->guessed = false;
	pc->integ += kp * e * dt_s /
		     (e < 0 || pc->guessed ? PACECTL_TI_OVER_S : PACECTL_TI_S);
	pc->integ = pacectl_clamp(pc->integ, 0.0, 1.0);
	u = pacectl_clamp(pc->integ + p, 0.0, 1.0);
	if (temp_c >= limit_c || pred >= limit_c) {
		u = 0.0;
		/* over target and still heading past the limit: the pace in
		 * force is more than the node sustains (under target it is a
		 * cool node's start, which says nothing of that) */
		if (temp_c >= target_c)
			pc->integ *= exp(-dt_s / PACECTL_CUT_TAU_S);
	}
	pc->pace = u;
	return u;
}

bool pacectl_job_start(struct pacectl *pc, double limit_c, double temp_c)
{
	double cap;

	if (!isfinite(temp_c) || !pc->started)
		return false;
	/* the die's quick rise at this pace stays under the limit */
	cap =
	    pacectl_clamp((limit_c - temp_c) / PACECTL_START_RISE_K, 0.0, 1.0);
	/* what an earlier job taught (1 - integ) is kept */
	cap += 1.0 - pc->integ;
	if (!(pc->integ > cap))
		return false;
	pc->integ = cap;
	pc->guessed = true;
	return true;
}
