/* run.h: pirack run, pacing an unmodified program by duty cycling it. */
#ifndef PIRACK_RUN_H
#define PIRACK_RUN_H

#include "pirack.h"

/*
 * Pure: how a period of period_ms splits at pace (clamped to
 * [min_pace, 1]) into running and stopped milliseconds.
 */
void run_duty(double pace, double min_pace, int period_ms, int *run_ms,
	      int *stop_ms);

/* pirack run [OPTIONS] -- COMMAND [ARGS...] */
int run_main(struct rack *r, int argc, char **argv);

#endif
