/* sim.c: the simulated thermal plant (placeholder until the sim issue). */
#include <stdio.h>
#include "sim.h"
#include "agent.h"

int sim_init(struct agent *a)
{
	(void)a;
	fprintf(stderr, "pirackd: [thermal] source = sim is not built yet\n");
	return -1;
}

void sim_step(struct agent *a)
{
	(void)a;
}

void sim_free(struct agent *a)
{
	(void)a;
}
