/* pace_share.c: node mode's work sharing: a shared counter per node, rounds
 * split between the nodes by their measured rates. */
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pace.h"
#include "pace_share.h"

/*
 * Why this shape. A counter at one rank, taken with MPI_Fetch_and_op,
 * makes every rank wait for that rank's progress: asleep in its pace,
 * descheduled (16 ranks on 2 cores) or simply computing, it serves no
 * one, and the waiting ranks spin in MPI and heat their node. Here:
 *
 * - A domain is the ranks of one node on one host (MPI_COMM_TYPE_SHARED,
 *   then split by the pace node). Its ranks take items from a counter in
 *   an MPI-3 shared window with a C11 atomic fetch-and-add: no message,
 *   no progress of anyone needed, and the node's cooler or less loaded
 *   ranks simply take more.
 * - Between domains the items go in rounds of a plan fixed by n and the
 *   rank count (pace_share_rounds: a quarter of what is left, down to a
 *   floor), each split in proportion to the domains' capacities: ranks
 *   times pace times measured speed (items per second of a rank
 *   computing, so a domain idle for want of work is not taken for a
 *   slow one). A domain's leader posts its capacity with
 *   MPI_Iallgather when its domain enters round r; the
 *   result splits round r + 1, needed only when the domain is through
 *   round r. Nobody blocks on it unless a domain fell a whole round
 *   behind, and then it waits asleep (napping), not spinning.
 * - The leader drives the exchange between chunks and, asleep in its
 *   pace, from the pace's sleep hook every millisecond.
 */

#define SHARE_FRACTION 4      /* a round: 1/4 of what is left ... */
#define SHARE_FLOOR_PER_RANK 4 /* ... but at least this many per rank */
#define SHARE_NAP_MIN_S 0.0002
#define SHARE_NAP_MAX_S 0.005
#define SHARE_ROUNDS_MAX 512
/* Rates from fewer items per rank than this are too noisy to use. */
#define SHARE_RATE_MIN_ITEMS 2

/* The domain's state in its shared window, written by its leader. */
struct share_shm {
	atomic_uint_fast64_t claim;   /* next claim of this domain */
	atomic_uint_fast64_t done;    /* items finished */
	atomic_uint_fast64_t busy_us; /* ranks' computing time, summed */
	atomic_uint published;	      /* rounds whose split is known */
	/* then cum[nrounds + 1] and lo[nrounds] */
};

struct pace_share {
	struct pace *pace;
	MPI_Comm comm, dom, lead;
	MPI_Win win;
	struct share_shm *shm;
	uint64_t *cum; /* claims before round r in this domain */
	uint64_t *lo;  /* this domain's first item of round r */
	uint64_t n, *start;
	uint32_t nrounds, r;
	int ndom, dom_index, dom_ranks;
	bool leader;
	bool holding; /* this rank has an item */
	/* leader: the exchange between domains */
	double *weight;
	uint64_t *first, *pairs, mine[2];
	MPI_Request req;
	bool pending;
	uint32_t posted;
	uint64_t last_done, last_us, speed_w;
	/* this rank's busy time when it took its item */
	double busy_at;
};

static double share_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void share_nap(double s)
{
	struct timespec ts = {0, (long)(s * 1e9)};

	nanosleep(&ts, NULL);
}

uint32_t pace_share_rounds(uint64_t n, int ranks, uint64_t *start,
			   uint32_t max)
{
	uint64_t floor = (uint64_t)(ranks > 0 ? ranks : 1) *
			 SHARE_FLOOR_PER_RANK;
	uint64_t s = 0, g;
	uint32_t r = 0;

	while (s < n && r + 1 < max) {
		start[r++] = s;
		g = (n - s) / SHARE_FRACTION;
		if (g < floor)
			g = floor;
		/* The remainder would be a sliver: take it now. */
		if (g > n - s || n - s - g < floor)
			g = n - s;
		s += g;
	}
	start[r] = n; /* out of room, the last round takes the rest */
	return r;
}

void pace_share_split(uint64_t lo, uint64_t hi, const double *weight,
		      int ndom, uint64_t *first)
{
	double total = 0, acc = 0, g = (double)(hi - lo), x;
	int d;

	/* Doubles, the same operations on every rank: the same bits. */
	for (d = 0; d < ndom; d++)
		total += weight[d] > 0 ? weight[d] : 0;
	first[0] = lo;
	for (d = 0; d < ndom; d++) {
		acc += total > 0 ? (weight[d] > 0 ? weight[d] : 0) : 1;
		x = floor(acc / (total > 0 ? total : ndom) * g);
		first[d + 1] = lo + (x < g ? (uint64_t)x : hi - lo);
	}
	first[ndom] = hi;
}

/*
 * The weights of one exchange from (pace sum, speed) pairs; a domain
 * with no speed yet runs at the mean of the others' (or all alike).
 */
static void share_weights(const uint64_t *pair, double *w, int ndom)
{
	double sum = 0, mean;
	int d, known = 0;

	for (d = 0; d < ndom; d++)
		if (pair[2 * d + 1]) {
			sum += (double)pair[2 * d + 1];
			known++;
		}
	mean = known ? sum / known : 1;
	for (d = 0; d < ndom; d++)
		w[d] = (double)pair[2 * d] *
		       (pair[2 * d + 1] ? (double)pair[2 * d + 1] : mean);
}

/* Leader: this domain's split of round r from the gathered weights. */
static void share_publish(struct pace_share *s, uint32_t r)
{
	uint64_t *first = s->first;

	share_weights(s->pairs, s->weight, s->ndom);
	pace_share_split(s->start[r], s->start[r + 1], s->weight, s->ndom,
			 first);
	s->lo[r] = first[s->dom_index];
	s->cum[r + 1] =
	    s->cum[r] + first[s->dom_index + 1] - first[s->dom_index];
	atomic_store_explicit(&s->shm->published, r + 1, memory_order_release);
}

/*
 * Leader: the domain's weight for the next split, its ranks times its
 * pace times its speed (items per second of a rank computing, measured
 * since the last exchange). Pace and speed go separately: the pace is
 * known at once (a node just held back gets less now, not a round
 * later), the speed only once the domain finished a few items; 0 means
 * "not yet", and the split then assumes the others' mean speed.
 */
static void share_weigh(struct pace_share *s, uint64_t w[2])
{
	uint64_t done = atomic_load(&s->shm->done);
	uint64_t us = atomic_load(&s->shm->busy_us);
	uint64_t dd = done - s->last_done, du = us - s->last_us;

	if (dd >= (uint64_t)s->dom_ranks * SHARE_RATE_MIN_ITEMS && du > 0) {
		s->speed_w = (uint64_t)llround(dd / (du * 1e-6) * 1000) + 1;
		s->last_done = done;
		s->last_us = us;
	}
	w[0] = (uint64_t)llround(s->dom_ranks * pace_current(s->pace) * 1000);
	w[1] = s->speed_w;
}

/* Leader, often: completes the exchange in flight and posts the next. */
static void share_poll(void *arg)
{
	struct pace_share *s = arg;
	uint32_t r;
	int flag = 0;

	if (s->pending) {
		MPI_Test(&s->req, &flag, MPI_STATUS_IGNORE);
		if (!flag)
			return;
		s->pending = false;
		share_publish(s, s->posted + 1);
		s->posted++;
	}
	r = s->posted;
	if (r + 1 >= s->nrounds ||
	    atomic_load(&s->shm->claim) < s->cum[r])
		return;
	/* The domain is in round r: tell the others how fast it goes. */
	share_weigh(s, s->mine);
	MPI_Iallgather(s->mine, 2, MPI_UINT64_T, s->pairs, 2, MPI_UINT64_T,
		       s->lead, &s->req);
	s->pending = true;
}

/*
 * Collectives here are nonblocking and waited for with pace_wait(),
 * which naps: MPICH's blocking ones poll at full speed, and with more
 * ranks than cores (16 on 2) the set-up of a job would otherwise heat
 * every node before the first item. Creating communicators and the
 * window has no nonblocking form; they are kept to three and one.
 */
static void share_wait(struct pace_share *s, MPI_Request *req)
{
	pace_wait(s->pace, req);
}

static int share_setup(struct pace_share *s, struct pace *p, MPI_Comm comm)
{
	const char *how = getenv("PIRACK_SHARE_DOMAIN");
	size_t bytes = sizeof(struct share_shm) +
		       (2 * (size_t)s->nrounds + 1) * sizeof(uint64_t);
	MPI_Comm host;
	MPI_Request req;
	MPI_Aint size;
	int rank, drank, disp;

	s->pace = p;
	s->comm = comm;
	MPI_Comm_rank(comm, &rank);
	MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL,
			    &host);
	/*
	 * A domain is a node (the simulated cluster runs several on one
	 * host); PIRACK_SHARE_DOMAIN=host pools a host's nodes instead.
	 */
	if (how && strcmp(how, "host") == 0) {
		s->dom = host;
	} else {
		MPI_Comm_split(host, pace_node_index(p), rank, &s->dom);
		MPI_Comm_free(&host);
	}
	MPI_Comm_rank(s->dom, &drank);
	MPI_Comm_size(s->dom, &s->dom_ranks);
	s->leader = drank == 0;
	/* Only the leaders need to know the domains (they split rounds). */
	MPI_Comm_split(comm, s->leader ? 0 : MPI_UNDEFINED, rank, &s->lead);
	if (s->leader) {
		MPI_Comm_rank(s->lead, &s->dom_index);
		MPI_Comm_size(s->lead, &s->ndom);
	}
	MPI_Win_allocate_shared(s->leader ? (MPI_Aint)bytes : 0, 1,
				MPI_INFO_NULL, s->dom, &s->shm, &s->win);
	MPI_Win_shared_query(s->win, 0, &size, &disp, &s->shm);
	s->cum = (uint64_t *)(s->shm + 1);
	s->lo = s->cum + s->nrounds + 1;
	if (s->leader) {
		memset(s->shm, 0, bytes);
		atomic_init(&s->shm->claim, 0);
		atomic_init(&s->shm->done, 0);
		atomic_init(&s->shm->busy_us, 0);
		atomic_init(&s->shm->published, 0);
	}
	/* Round 0 by what is known: the ranks and the pace at the start. */
	if (s->leader && s->nrounds > 0) {
		share_weigh(s, s->mine);
		MPI_Iallgather(s->mine, 2, MPI_UINT64_T, s->pairs, 2,
			       MPI_UINT64_T, s->lead, &req);
		share_wait(s, &req);
		share_publish(s, 0);
		/* One domain: every round is its own at once. */
		while (s->ndom == 1 && s->posted + 1 < s->nrounds)
			share_publish(s, ++s->posted);
	}
	MPI_Win_lock_all(MPI_MODE_NOCHECK, s->win);
	MPI_Win_sync(s->win);
	/* The counters are set before anyone takes from them. */
	MPI_Ibarrier(s->dom, &req);
	share_wait(s, &req);
	MPI_Win_sync(s->win);
	if (s->leader && s->ndom > 1)
		pace_set_share_hook(p, share_poll, s);
	/*
	 * Setting up was not work: a rank at pace 0.05 would otherwise
	 * sleep 19 times the set-up (and whatever the program did since
	 * pace_init) after its first item, and hold that item meanwhile.
	 */
	pace_idle(p, 0);
	return 0;
}

static void share_free(struct pace_share *s)
{
	if (!s)
		return;
	free(s->weight);
	free(s->first);
	free(s->pairs);
	free(s->start);
	free(s);
}

int pace_share_init(struct pace_share **out, struct pace *p, uint64_t n)
{
	struct pace_share *s = calloc(1, sizeof(*s));
	MPI_Comm comm = pace_comm(p);
	MPI_Request req;
	int size, ok;

	MPI_Comm_size(comm, &size);
	/* A domain per rank at most; rounds ~ 4 ln(n) + n / floor, bounded. */
	if (s) {
		s->start = calloc(SHARE_ROUNDS_MAX, sizeof(*s->start));
		s->weight = calloc(size + 1, sizeof(*s->weight));
		s->first = calloc(size + 1, sizeof(*s->first));
		s->pairs = calloc(2 * (size + 1), sizeof(*s->pairs));
	}
	ok = s && s->start && s->weight && s->first && s->pairs;
	MPI_Iallreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, comm, &req);
	pace_wait(p, &req);
	if (!ok) {
		share_free(s);
		*out = NULL;
		return -1;
	}
	s->n = n;
	s->nrounds = pace_share_rounds(n, size, s->start, SHARE_ROUNDS_MAX);
	share_setup(s, p, comm);
	*out = s;
	return 0;
}

int64_t pace_share_next(struct pace_share *s)
{
	struct share_shm *m = s->shm;
	double now = share_now(), t0, nap = SHARE_NAP_MIN_S;
	uint64_t k;
	unsigned pub;

	if (s->holding) {
		atomic_fetch_add(&m->done, 1);
		atomic_fetch_add(&m->busy_us,
				 (uint64_t)((pace_busy_s(s->pace) - s->busy_at) *
					    1e6));
		s->holding = false;
	}
	if (s->nrounds == 0)
		return -1;
	k = atomic_fetch_add(&m->claim, 1);
	t0 = now;
	for (;;) {
		pub = atomic_load_explicit(&m->published,
					   memory_order_acquire);
		while (s->r < pub && k >= s->cum[s->r + 1])
			s->r++;
		if (s->r < pub) {
			now = share_now();
			if (now - t0 > 1e-4) /* waited: not work */
				pace_idle(s->pace, now - t0);
			s->holding = true;
			s->busy_at = pace_busy_s(s->pace);
			return (int64_t)(s->lo[s->r] + (k - s->cum[s->r]));
		}
		if (pub >= s->nrounds) {
			pace_idle(s->pace, share_now() - t0);
			return -1;
		}
		/* The next round's split is not known yet: nap, not spin. */
		if (s->leader)
			share_poll(s);
		share_nap(nap);
		nap = nap * 2 > SHARE_NAP_MAX_S ? SHARE_NAP_MAX_S : nap * 2;
	}
}

void pace_share_end(struct pace_share *s)
{
	MPI_Request req;

	if (!s)
		return;
	/* Done early: wait for the others without heating the node. */
	MPI_Ibarrier(s->comm, &req);
	pace_wait(s->pace, &req);
	pace_set_share_hook(s->pace, NULL, NULL);
	MPI_Win_unlock_all(s->win);
	MPI_Win_free(&s->win);
	if (s->lead != MPI_COMM_NULL)
		MPI_Comm_free(&s->lead);
	MPI_Comm_free(&s->dom);
	share_free(s);
}
