/* pi_work.c: the block plan, the two schedules and the final ordered sum. */
#include <stdlib.h>
#include "pi_work.h"

/* Block-count bounds: the final reduce moves 16 bytes per block. */
#define PI_BLOCK_MIN 16384
#define PI_BLOCKS_MAX 16384

void pi_plan_init(struct pi_plan *pl, uint64_t n)
{
	uint64_t b = n / PI_BLOCKS_MAX + (n % PI_BLOCKS_MAX != 0);

	b = (b + 15) / 16 * 16;
	pl->n = n;
	pl->h = 1.0 / (double)n;
	pl->block = b < PI_BLOCK_MIN ? PI_BLOCK_MIN : b;
	pl->nblocks = n / pl->block + (n % pl->block != 0);
	pi_plan_set_chunk(pl, 1);
}

void pi_plan_set_chunk(struct pi_plan *pl, uint64_t blocks)
{
	pl->chunk = blocks < 1		   ? 1
		    : blocks > pl->nblocks ? pl->nblocks
					   : blocks;
	pl->nchunks = pl->nblocks / pl->chunk + (pl->nblocks % pl->chunk != 0);
}

static void pi_block(const struct pi_plan *pl, const struct pi_kernel *k,
		     uint64_t b, double *sums, struct pi_tally *t)
{
	uint64_t first = b * pl->block;
	uint64_t count = pl->n - first < pl->block ? pl->n - first : pl->block;
	struct pi_sum s = { 0, 0 };

	k->fn(first, count, pl->h, &s);
	sums[2 * b] = s.s;
	sums[2 * b + 1] = s.c;
	t->intervals += count;
}

uint64_t pi_plan_calibrate(const struct pi_plan *pl, const struct pi_kernel *k,
			   double chunk_s)
{
	double t0 = MPI_Wtime(), el, sums[2];
	struct pi_tally t = { 0, 0 };
	uint64_t done = 0;

	/* Block 0 over and over for at least 2 ms: a steady clock rate. */
	do {
		pi_block(pl, k, 0, sums, &t);
		done++;
	} while ((el = MPI_Wtime() - t0) < 0.002 && done < pl->nblocks);
	return (uint64_t)(chunk_s / (el / done) + 0.5);
}

static void pi_chunk(const struct pi_plan *pl, const struct pi_kernel *k,
		     uint64_t c, double *sums, struct pi_tally *t)
{
	uint64_t b = c * pl->chunk, end = b + pl->chunk;

	if (end > pl->nblocks)
		end = pl->nblocks;
	for (; b < end; b++)
		pi_block(pl, k, b, sums, t);
	t->chunks++;
}

int pi_work_shared(const struct pi_plan *pl, const struct pi_kernel *k,
		   struct pace *pace, struct stall *st, MPI_Comm comm,
		   double *sums, struct pi_tally *t)
{
	struct pace_share *share;
	int64_t c;

	(void)comm; /* the pace's own communicator */
	/* Every rank is here (or named) before the collective set-up. */
	stall_barrier(st, pace, "the start of the work");
	if (pace_share_init(&share, pace, pl->nchunks) < 0)
		return -1;
	while ((c = pace_share_next(share)) >= 0) {
		pace_progress(pace, (uint64_t)c, pl->nchunks);
		pi_chunk(pl, k, (uint64_t)c, sums, t);
		pace_step(pace);
	}
	/*
	 * Done early: pace_share_end waits for the others napping (through
	 * pace_wait, so the stall watch sees the wait and names a rank that
	 * never comes) and keeps the leaders' exchange going meanwhile.
	 */
	pace_share_end(share);
	return 0;
}

int pi_work_rounds(const struct pi_plan *pl, const struct pi_kernel *k,
		   struct pace *pace, struct stall *st, MPI_Comm comm,
		   double *sums, struct pi_tally *t)
{
	uint64_t r, c, rounds;
	int rank, size;

	MPI_Comm_rank(comm, &rank);
	MPI_Comm_size(comm, &size);
	rounds = pl->nchunks / size + (pl->nchunks % size != 0);
	for (r = 0; r < rounds; r++) {
		c = r * size + rank;
		if (c < pl->nchunks) {
			pace_progress(pace, c, pl->nchunks);
			pi_chunk(pl, k, c, sums, t);
			pace_step(pace);
		}
		stall_expect(st, STALL_ANY, "the round's pace sync");
		pace_sync(pace);
		stall_done(st);
	}
	return 0;
}

double pi_plan_result(const struct pi_plan *pl, const double *sums)
{
	struct pi_sum total = { 0, 0 };
	uint64_t b;

	for (b = 0; b < pl->nblocks; b++) {
		pi_sum_add(&total, sums[2 * b]);
		pi_sum_add(&total, sums[2 * b + 1]);
	}
	return (total.s + total.c) / (double)pl->n;
}
