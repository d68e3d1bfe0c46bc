/* pacectl.h: the node's pacing controller, pure; shared with libpirackpace. */
#ifndef PIRACK_PACECTL_H
#define PIRACK_PACECTL_H

#include <stdbool.h>

struct pacectl {
	double pace;		/* last output, [0, 1] */
	double integ;		/* controller memory */
	bool started;
};

void pacectl_init(struct pacectl *pc);

/*
 * Advances the controller by dt_s seconds with the node at temp_c and
 * returns the pace: 1 well below target_c, falling smoothly so the node
 * settles at target_c, 0 at or above limit_c.
 */
double pacectl_update(struct pacectl *pc, double target_c, double limit_c,
		      double temp_c, double dt_s, bool fan_on);

#endif
