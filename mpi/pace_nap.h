/* pace_nap.h: MPI_Wait() that naps instead of polling at full speed. */
#ifndef PIRACK_PACE_NAP_H
#define PIRACK_PACE_NAP_H

#include <mpi.h>

/*
 * Completes req: spins 0.2 ms (a balanced collective costs no latency),
 * then tests between naps that grow with the wait (an eighth of it, 0.1
 * to 5 ms). MPICH's blocking calls poll at full speed: a rank waiting
 * for others, or for a core (more ranks than cores), would heat its node
 * as if it computed. Returns the seconds waited.
 */
double pace_nap_wait(MPI_Request *req);
/* The same, calling hook(arg, seconds waited so far) after each test. */
double pace_nap_wait_hook(MPI_Request *req, void (*hook)(void *, double),
			  void *arg);

#endif
