/* pace_nap.c: waiting for an MPI request without heating the node. */
#include <time.h>
#include "clock.h"
#include "pace_nap.h"

#define PACE_SPIN_S 0.0002
#define PACE_NAP_MIN_S 0.0001
#define PACE_NAP_MAX_S 0.005

double pace_nap_wait(MPI_Request *req)
{
	return pace_nap_wait_hook(req, NULL, NULL);
}

double pace_nap_wait_hook(MPI_Request *req, void (*hook)(void *, double),
			  void *arg)
{
	double t0 = clock_s(), now = t0, nap;
	struct timespec ts;
	int done = 0;

	for (;;) {
		MPI_Test(req, &done, MPI_STATUS_IGNORE);
		if (done)
			break;
		if (now - t0 > PACE_SPIN_S) {
			/* A long wait costs at most 1/8 more; the CPU sleeps.
			 */
			nap = (now - t0) / 8;
			nap = nap < PACE_NAP_MIN_S   ? PACE_NAP_MIN_S
			      : nap > PACE_NAP_MAX_S ? PACE_NAP_MAX_S
						     : nap;
			ts.tv_sec = 0;
			ts.tv_nsec = (long)(nap * 1e9);
			nanosleep(&ts, NULL);
		}
		now = clock_s();
		if (hook) /* e.g. the stall watch: who do we wait for */
			hook(arg, now - t0);
	}
	return clock_s() - t0;
}
