/* pi_report.h: pirack-pi's result and statistics, gathered and printed. */
#ifndef PIRACK_PI_REPORT_H
#define PIRACK_PI_REPORT_H

#include <mpi.h>
#include <stdbool.h>
#include "pace.h"
#include "pi_args.h"
#include "pi_work.h"

struct pi_result {
	double pi;
	double seconds; /* MPI_Init to the final reduce, as cpi */
	const char *kernel;
};

/*
 * Collective: gathers every rank's tally and pacing statistics to rank 0,
 * which prints the text report (or one JSON object) on stdout.
 * 0, or -1 when rank 0 ran out of memory.
 */
int pi_report(const struct pi_args *a, const struct pi_plan *pl,
	      const struct pi_result *res, const struct pi_tally *t,
	      struct pace *pace, MPI_Comm comm);

#endif
