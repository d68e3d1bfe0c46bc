/* pi_work.h: fixed blocks, chunks of blocks, and who computes which chunk. */
#ifndef PIRACK_PI_WORK_H
#define PIRACK_PI_WORK_H

#include <mpi.h>
#include <stdint.h>
#include "pace.h"
#include "pi_kernel.h"
#include "stall.h"

/*
 * The intervals split into fixed blocks that depend on n alone; a block's
 * compensated sum is the same bits whoever computes it, and rank 0 adds
 * the block sums in block order. A chunk (the unit of scheduling and
 * pacing) is a run of consecutive blocks sized to --chunk-ms; its size
 * changes who computes what, never the result.
 */
struct pi_plan {
	uint64_t n;	/* intervals */
	double h;	/* 1 / n */
	uint64_t block; /* intervals per block, the last may be short */
	uint64_t nblocks;
	uint64_t chunk; /* blocks per chunk */
	uint64_t nchunks;
};

/* What one rank did. */
struct pi_tally {
	uint64_t chunks, intervals;
};

void pi_plan_init(struct pi_plan *pl, uint64_t n);

/* Times the kernel on this CPU: blocks per chunk of about chunk_s. */
uint64_t pi_plan_calibrate(const struct pi_plan *pl, const struct pi_kernel *k,
			   double chunk_s);

void pi_plan_set_chunk(struct pi_plan *pl, uint64_t blocks);

/*
 * Computes this rank's chunks into sums[2 * block] (s, c pairs; the
 * others stay 0), calling pace_step() after each chunk.
 * pi_work_shared: chunks handed out by libpirackpace's work sharing
 * (pace_share_next: a counter per node in shared memory, rounds split
 * between nodes by rate), so a cooler, faster node takes more and no
 * rank waits for another (node and off modes); comm must be the pace's.
 * pi_work_rounds: round r gives chunk r * size + rank to each rank, then
 * pace_sync() (uniform mode). Both collective over comm; their waits are
 * watched by st (who a stalled rank waits for, and the limit). 0, or -1
 * out of memory (on every rank).
 */
int pi_work_shared(const struct pi_plan *pl, const struct pi_kernel *k,
		   struct pace *pace, struct stall *st, MPI_Comm comm,
		   double *sums, struct pi_tally *t);
int pi_work_rounds(const struct pi_plan *pl, const struct pi_kernel *k,
		   struct pace *pace, struct stall *st, MPI_Comm comm,
		   double *sums, struct pi_tally *t);

/* Rank 0, after the reduce: the blocks' sums in block order, times h. */
double pi_plan_result(const struct pi_plan *pl, const double *sums);

#endif
