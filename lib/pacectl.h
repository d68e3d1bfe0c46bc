/* pacectl.h: the node's pacing controller, pure; shared with libpirackpace. */
#ifndef PIRACK_PACECTL_H
#define PIRACK_PACECTL_H

#include <stdbool.h>

struct pacectl {
	double pace;	    /* last output, [0, 1] */
	double integ;	    /* controller memory */
	double last_c;	    /* previous temperature */
	double rate;	    /* filtered dT/dt, K per plant second */
	double predicted_c; /* where the node is heading (last update) */
	bool fan_was_on;
	bool guessed; /* the integral is pacectl_job_start's guess */
	bool started;
};

void pacectl_init(struct pacectl *pc);

/*
 * Advances the controller by dt_s seconds with the node at temp_c and
 * returns the pace: 1 well below target_c, falling smoothly so the node
 * settles at target_c, 0 at or above limit_c.
 *
 * Feed-forward: the proportional part acts on the predicted temperature,
 * temp_c plus the filtered rate of rise (a fall counts as 0) times the
 * die's time constant
 * (for a first-order response that is where the temperature settles
 * under the present load), so a load step (a job starting) or a fan
 * switching off cuts the pace within a sample, before the node gets
 * there, not after; the pace is cut to 0 when the prediction reaches
 * limit_c, and while it is over target the integral decays (10 s: the pace in
 * force was more than the node sustains, so the loop settles under the limit
 * instead of cycling between the cut and that pace); and when the fan stops,
 * the integral (the pace the node sustains) halves at once. The integral starts
 * at 1 and a cool node keeps it there, so the pace stays 1 until the prediction
 * passes target_c (a short job in a warm rack runs at full speed); over target
 * it unwinds six times faster than under it. The proportional band is
 * limit_c - target_c but at least 15 K, calm even when the pace reaches
 * the ranks 10-15 s late.
 *
 * dt_s is time as the thermal plant sees it: the sampling period in real
 * use, the period times time_scale for the simulated plant (which runs
 * that much faster). Steps are capped at 5 s, and dt_s <= 0 only
 * re-evaluates. A PI loop with gains in units of those bands; a
 * non-finite temp_c (no reading) gives pace 0, as does limit_c <=
 * target_c. fan_on halves the loop gain while the fan is off (the node
 * then heats faster per unit of pace). Call it every sample, job or not,
 * so the state carries over from one job to the next.
 */
double pacectl_update(struct pacectl *pc, double target_c, double limit_c,
		      double temp_c, double dt_s, bool fan_on);

/*
 * A job starts on the node (its first rank asks for the pace): a load
 * step the temperature does not show yet. On a node that has idled the
 * integral (the pace it sustains) is back at 1, and full load lifts the
 * die about 10 K over its board within seconds (an estimate from the
 * simulated Pi 4), faster than a loaded host answers. On a node idling
 * within that of limit_c the integral is capped at (limit_c - temp_c) /
 * 10 K, less what an earlier job taught it and idling has not yet undone
 * (1 - integral); until the node first reaches target it then climbs as
 * fast as it unwinds over target. A node idling 10 K or more under the
 * limit is left alone. True when the integral was capped: pacectl_update
 * with dt_s 0 then gives the job's first pace. Does nothing (false)
 * before the first reading or without one.
 */
bool pacectl_job_start(struct pacectl *pc, double limit_c, double temp_c);

#endif
