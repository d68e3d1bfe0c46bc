/* machinefile.c: MPICH hydra's machinefile (host:processes) for the rack. */
#include "machinefile.h"

void machinefile_write(const struct inventory *inv, FILE *out)
{
	/* names, not addresses: mpiexec and ssh resolve them via the hosts
	 * block, as in the hand-built recipe */
	for (size_t i = 0; i < inv->nnodes; i++)
		fprintf(out, "%s:%u\n", inv->nodes[i].name,
			inv->nodes[i].slots);
}
