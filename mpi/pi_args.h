/* pi_args.h: pirack-pi's command line, parsed before MPI_Init. */
#ifndef PIRACK_PI_ARGS_H
#define PIRACK_PI_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include "pace.h"

#define PI_INTERVALS_MAX (UINT64_C(1) << 62)

struct pi_args {
	uint64_t intervals;
	enum pace_mode pace;
	double chunk_ms;
	double stall_s; /* give up after this long without progress; 0: never */
	bool json;
	const char *kernel; /* NULL or "auto": the best this CPU runs */
};

/*
 * 0 to run; otherwise the exit status (0 after --help or --version, 2 on
 * a bad argument), the message already printed by the job's rank 0.
 */
int pi_args_parse(int argc, char **argv, struct pi_args *a, bool *done);

/* "60", "0.5": 0, or -1 unless 0 (never) or 0.1 to 86400 seconds. */
int pi_args_stall(const char *s, double *out);

/* "1e9", "1.5e9", "100000000": 0, or -1 when not an integer in [1, 2^62]. */
int pi_args_intervals(const char *s, uint64_t *out);

#endif
