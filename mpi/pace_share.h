/* pace_share.h: libpirackpace's work sharing between the ranks (node mode). */
#ifndef PIRACK_PACE_SHARE_H
#define PIRACK_PACE_SHARE_H

#include <stdint.h>
#include "pace.h"

/*
 * The rounds' plan, pure (unit-tested): item ranges that depend on n and
 * the number of ranks alone, so every rank derives the same plan.
 * Round r covers items [start[r], start[r + 1]); the last entry is n.
 */
uint32_t pace_share_rounds(uint64_t n, int ranks, uint64_t *start,
			   uint32_t max);

/*
 * Splits items [lo, hi) between ndom domains in proportion to weight (the
 * same operations on the same numbers on every rank: the same split); a
 * domain of weight 0 or less gets nothing unless none has more (then
 * equal parts). Domain d gets [first[d], first[d + 1]); first has ndom + 1
 * entries.
 */
void pace_share_split(uint64_t lo, uint64_t hi, const double *weight, int ndom,
		      uint64_t *first);

/*
 * The split that lets every domain finish together: weight[d] =
 * max(0, rate[d] t - backlog[d]) (items per second, items yet to do),
 * with t such that the weights add up to items. Without a positive rate
 * (or items): weight = rate. The same operations on the same numbers on
 * every rank: the same weights.
 */
void pace_share_fill(const double *rate, const double *backlog, int ndom,
		     double items, double *weight);

/* pace.c, for the sharing: */
/* A hook pace_sleep() calls about every millisecond (fn NULL: none). */
void pace_set_share_hook(struct pace *p, void (*fn)(void *), void *arg);
/* The init communicator; the job's id ("host:pid" of its rank 0). */
MPI_Comm pace_comm(const struct pace *p);
const char *pace_job_id(const struct pace *p);
#define PACE_JOB_NAME_MAX 64
/* The pace applied now. */
double pace_current(const struct pace *p);
/* secs just spent waiting for work: sync time, not busy time. */
void pace_idle(struct pace *p, double secs);

#endif
