/* pace_share.c: node mode's work sharing, a shared counter per node. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "pace.h"
#include "pace_share.h"

/*
 * Why this shape. A counter at one rank, taken with MPI_Fetch_and_op,
 * makes every rank wait for that rank's progress: asleep in its pace,
 * descheduled (16 ranks on 2 cores) or simply computing, it serves no
 * one, and the waiting ranks spin in MPI and heat their node. Here:
 *
 * - A domain is the ranks of one node on one host. They take items from
 *   a counter in a POSIX shared-memory segment with a C11 atomic
 *   fetch-and-add: no message, nobody's progress needed, and the
 *   node's less loaded ranks simply take more.
 * - Between domains the items go in rounds of a plan fixed by n and the
 *   rank count (pace_share_rounds: an eighth of what is left, down to a
 *   floor). The leaders (a domain's lowest rank) split each round from
 *   figures they exchange point to point: each domain's rate (ranks
 *   times items per second of a rank, its pacing sleeps included, so a
 *   node held back gets less) and its backlog (items split to it that
 *   none of its ranks took yet), so that all would finish together
 *   (pace_share_fill): a domain behind, asleep at a low pace or slower
 *   than it measured, gets less or nothing. The first domain to come
 *   within SHARE_LOOKAHEAD rounds of running out asks; the others answer
 *   at once. Nobody waits for the slowest domain to catch up, only for
 *   a round trip of the leaders, and then asleep (napping).
 * - The leader drives the exchange between items and, asleep in its
 *   pace, from the pace's sleep hook every millisecond.
 */

#define SHARE_FRACTION 8       /* a round: 1/8 of what is left ... */
#define SHARE_FLOOR_PER_RANK 2 /* ... but at least this many per rank */
#define SHARE_NAP_MIN_S 0.0002
#define SHARE_NAP_MAX_S 0.005
#define SHARE_ROUNDS_MAX 512
/* A leader's figures: ranks x 1000 (x pace until the speed is known),
 * speed (items per second of a rank, x 1000), items not yet taken. */
#define SHARE_FIGS 3
/* Rounds split ahead of the domain that needs work first. */
#define SHARE_LOOKAHEAD 2
/* Rates from fewer items per rank than this are too noisy to use. */
#define SHARE_RATE_MIN_ITEMS 2

/* The domain's state in its shared segment, set up by its leader. */
struct share_shm {
	atomic_uint_fast64_t claim;   /* next claim of this domain */
	atomic_uint_fast64_t done;    /* items finished */
	atomic_uint_fast64_t item_us; /* ranks' time per item, summed */
	atomic_uint published;	      /* rounds whose split is known */
	/* then cum[nrounds + 1] and lo[nrounds] */
};

struct pace_share {
	struct pace *pace;
	MPI_Comm comm, xcomm; /* the job's; a private copy for exchanges */
	struct share_shm *shm;
	size_t shm_bytes;
	int *leaders;  /* ndom ranks of comm, one per domain, ascending */
	uint64_t *cum; /* claims before round r in this domain */
	uint64_t *lo;  /* this domain's first item of round r */
	uint64_t n, *start;
	uint32_t nrounds, r;
	int ndom, dom_index, dom_ranks;
	bool leader;
	bool holding; /* this rank has an item */
	/* leader: the exchange between domains */
	double *weight, *rate, *backlog;
	uint64_t *first, *figs, mine[SHARE_FIGS];
	MPI_Request *reqs; /* 2 * ndom: sends to, receives from leaders */
	bool pending;
	uint32_t posted;
	uint64_t last_done, last_us, speed_w;
	/* when this rank took its item */
	double taken_at;
};

static void share_nap(double s)
{
	struct timespec ts = { 0, (long)(s * 1e9) };

	nanosleep(&ts, NULL);
}

uint32_t pace_share_rounds(uint64_t n, int ranks, uint64_t *start, uint32_t max)
{
	uint64_t floor =
	    (uint64_t)(ranks > 0 ? ranks : 1) * SHARE_FLOOR_PER_RANK;
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

void pace_share_split(uint64_t lo, uint64_t hi, const double *weight, int ndom,
		      uint64_t *first)
{
	double total = 0, acc = 0, g = (double)(hi - lo), x;
	int d;

	/* Doubles, the same operations on every rank: the same bits. */
	for (d = 0; d < ndom; d++)
		total += weight[d] > 0 ? weight[d] : 0;
	first[0] = lo;
	for (d = 0; d < ndom; d++) {
		acc += total > 0 ? (weight[d] > 0 ? weight[d] : 0) : 1;
		/* to the nearest: a small domain still gets its half item */
		x = floor(acc / (total > 0 ? total : ndom) * g + 0.5);
		first[d + 1] = lo + (x < g ? (uint64_t)x : hi - lo);
	}
	first[ndom] = hi;
}

void pace_share_fill(const double *rate, const double *backlog, int ndom,
		     double items, double *weight)
{
	double lo = 0, hi, rsum = 0, bsum = 0, t, got;
	int d, i;

	for (d = 0; d < ndom; d++) {
		rsum += rate[d] > 0 ? rate[d] : 0;
		bsum += backlog[d] > 0 ? backlog[d] : 0;
	}
	if (!(rsum > 0) || !(items > 0)) {
		for (d = 0; d < ndom; d++)
			weight[d] = rate[d] > 0 ? rate[d] : 0;
		return;
	}
	/* The time t when all finish: sum of max(0, rate t - backlog) is
	 * the items; it grows with t, and at hi it is at least the items. */
	hi = (items + bsum) / rsum;
	for (i = 0; i < 64; i++) {
		t = (lo + hi) / 2;
		got = 0;
		for (d = 0; d < ndom; d++)
			if (rate[d] > 0 && rate[d] * t > backlog[d])
				got += rate[d] * t - backlog[d];
		if (got < items)
			lo = t;
		else
			hi = t;
	}
	for (d = 0; d < ndom; d++)
		weight[d] = rate[d] > 0 && rate[d] * hi > backlog[d]
				? rate[d] * hi - backlog[d]
				: 0;
}

/*
 * The weights of one exchange from (ranks or pace sum, speed, backlog)
 * triples: each domain's rate, ranks times speed (a domain with no speed
 * yet runs at the mean of the others', or all alike), then so much of
 * the round to each that all would finish together, the work each has
 * yet to take counted (a domain behind gets less, or nothing).
 */
static void share_weights(const uint64_t *f, double *rate, double *backlog,
			  double *w, int ndom, double items)
{
	double sum = 0, mean;
	int d, known = 0;

	for (d = 0; d < ndom; d++)
		if (f[SHARE_FIGS * d + 1]) {
			sum += (double)f[SHARE_FIGS * d + 1];
			known++;
		}
	mean = known ? sum / known : 1;
	for (d = 0; d < ndom; d++) {
		rate[d] = (double)f[SHARE_FIGS * d] / 1000 *
			  (f[SHARE_FIGS * d + 1] ? (double)f[SHARE_FIGS * d + 1]
						 : mean) /
			  1000;
		backlog[d] = (double)f[SHARE_FIGS * d + 2];
	}
	pace_share_fill(rate, backlog, ndom, items, w);
}

/* Leader: this domain's split of round r from the gathered weights. */
static void share_publish(struct pace_share *s, uint32_t r)
{
	uint64_t *first = s->first;

	share_weights(s->figs, s->rate, s->backlog, s->weight, s->ndom,
		      (double)(s->start[r + 1] - s->start[r]));
	pace_share_split(s->start[r], s->start[r + 1], s->weight, s->ndom,
			 first);
	s->lo[r] = first[s->dom_index];
	s->cum[r + 1] =
	    s->cum[r] + first[s->dom_index + 1] - first[s->dom_index];
	atomic_store_explicit(&s->shm->published, r + 1, memory_order_release);
}

/*
 * Leader: the domain's figures for the next split: its ranks, its speed
 * (items per second of a rank, pacing sleeps included, measured since
 * the last exchange; 0 until the domain finished a few items, and then
 * the pace it starts at weighs its ranks) and the items split to it that
 * none of its ranks took yet.
 */
static void share_weigh(struct pace_share *s, uint64_t f[SHARE_FIGS])
{
	uint64_t done = atomic_load(&s->shm->done);
	uint64_t us = atomic_load(&s->shm->item_us);
	uint64_t dd = done - s->last_done, du = us - s->last_us;
	uint64_t claim = atomic_load(&s->shm->claim);
	uint64_t given = s->cum[s->posted + 1];

	if (dd >= (uint64_t)s->dom_ranks * SHARE_RATE_MIN_ITEMS && du > 0) {
		s->speed_w = (uint64_t)llround(dd / (du * 1e-6) * 1000) + 1;
		s->last_done = done;
		s->last_us = us;
	}
	f[0] = (uint64_t)llround(s->dom_ranks * 1000 *
				 (s->speed_w ? 1 : pace_current(s->pace)));
	f[1] = s->speed_w;
	f[2] = given > claim ? given - claim : 0;
}

/*
 * Leader: its figures to every other leader and theirs into figs, tagged
 * with the round they split; point to point on a private communicator,
 * so that only the leaders take part (a collective would wait for every
 * rank of the job).
 */
static void share_exchange(struct pace_share *s, uint32_t round)
{
	int d, i, tag = (int)(round % 32768);

	for (d = 0; d < s->ndom; d++) {
		s->reqs[2 * d] = s->reqs[2 * d + 1] = MPI_REQUEST_NULL;
		if (d == s->dom_index) {
			for (i = 0; i < SHARE_FIGS; i++)
				s->figs[SHARE_FIGS * d + i] = s->mine[i];
			continue;
		}
		MPI_Isend(s->mine, SHARE_FIGS, MPI_UINT64_T, s->leaders[d], tag,
			  s->xcomm, &s->reqs[2 * d]);
		MPI_Irecv(&s->figs[SHARE_FIGS * d], SHARE_FIGS, MPI_UINT64_T,
			  s->leaders[d], tag, s->xcomm, &s->reqs[2 * d + 1]);
	}
	s->pending = true;
}

/* Leader: whether the exchange in flight is complete. */
static bool share_testall(struct pace_share *s)
{
	int d, flag, all = 1;

	for (d = 0; d < 2 * s->ndom; d++) {
		MPI_Test(&s->reqs[d], &flag, MPI_STATUS_IGNORE);
		all &= flag;
	}
	return all;
}

/* Leader: whether another leader asked for the split of round. */
static bool share_asked(struct pace_share *s, uint32_t round)
{
	int flag = 0;

	MPI_Iprobe(MPI_ANY_SOURCE, (int)(round % 32768), s->xcomm, &flag,
		   MPI_STATUS_IGNORE);
	return flag;
}

/*
 * Leader, often (each item, and every millisecond of a pace's sleep):
 * completes the exchange in flight and posts the next, for the round
 * after the last one split, once the domain is SHARE_LOOKAHEAD rounds
 * from running out of work, or at once when another leader asked for it.
 * So the first domain to need work sets the split off, and a domain far
 * behind (asleep at a low pace, or slower than its figures said) holds
 * nobody up: its figures go out with its backlog, and it gets less.
 */
static void share_poll(void *arg)
{
	struct pace_share *s = arg;
	uint32_t r, entry;

	if (s->pending) {
		if (!share_testall(s))
			return;
		s->pending = false;
		share_publish(s, s->posted + 1);
		s->posted++;
	}
	r = s->posted;
	if (r + 1 >= s->nrounds)
		return;
	entry = r + 1 > SHARE_LOOKAHEAD ? r + 1 - SHARE_LOOKAHEAD : 0;
	if (atomic_load(&s->shm->claim) < s->cum[entry] &&
	    !share_asked(s, r + 1))
		return;
	share_weigh(s, s->mine);
	share_exchange(s, r + 1);
}

/*
 * The set-up uses no blocking MPI call: MPICH's poll at full speed, and
 * with more ranks than cores (16 on 2) creating communicators and a
 * shared window took seconds of every rank spinning, heating every node
 * before the first item. Nonblocking collectives waited for with
 * pace_wait() (it naps) and a POSIX shared-memory segment per domain
 * instead. A domain is the ranks of one node on one host (the simulated
 * cluster runs several nodes on one host); PIRACK_SHARE_DOMAIN=host
 * pools a host's nodes instead.
 */
struct share_who {
	char host[64];
	int32_t node;
};

static void share_wait(struct pace_share *s, MPI_Request *req)
{
	pace_wait(s->pace, req);
}

/* Every rank's host and node: the domains, their leaders, this one's. */
static int share_domains(struct pace_share *s, int rank, int size)
{
	const char *how = getenv("PIRACK_SHARE_DOMAIN");
	bool by_host = how && strcmp(how, "host") == 0;
	struct share_who me = { .node =
				    by_host ? 0 : pace_node_index(s->pace) },
			 *all = calloc(size, sizeof(*all));
	char name[MPI_MAX_PROCESSOR_NAME];
	MPI_Request req;
	int i, j, len = 0, ok = all != NULL;

	MPI_Iallreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, s->comm, &req);
	share_wait(s, &req);
	if (!ok) {
		free(all);
		return -1;
	}
	MPI_Get_processor_name(name, &len);
	snprintf(me.host, sizeof(me.host), "%.63s", name);
	MPI_Iallgather(&me, sizeof(me), MPI_BYTE, all, sizeof(me), MPI_BYTE,
		       s->comm, &req);
	share_wait(s, &req);
	/* The leader of a domain is its lowest rank. */
	for (i = 0; i < size; i++) {
		bool lead = true, mine;

		for (j = 0; j < i && lead; j++)
			lead = all[j].node != all[i].node ||
			       strcmp(all[j].host, all[i].host) != 0;
		mine =
		    all[i].node == me.node && strcmp(all[i].host, me.host) == 0;
		if (mine)
			s->dom_ranks++;
		if (!lead)
			continue;
		if (mine) {
			s->dom_index = s->ndom;
			s->leader = i == rank;
		}
		s->leaders[s->ndom++] = i;
	}
	free(all);
	return 0;
}

/* The domain's segment: the leader makes it, the others map it. */
static void *share_map(struct pace_share *s, const char *name, bool create,
		       char *err, size_t len)
{
	int fd, flags = O_RDWR | (create ? O_CREAT | O_EXCL : 0);
	void *m;

	fd = shm_open(name, flags, 0600);
	if (fd < 0 && create && errno == EEXIST) {
		/* left by a job that died with our host:pid: ours now */
		shm_unlink(name);
		fd = shm_open(name, flags, 0600);
	}
	if (fd < 0) {
		snprintf(err, len, "shm_open %s: %s", name, strerror(errno));
		return NULL;
	}
	if (create && ftruncate(fd, (off_t)s->shm_bytes) < 0) {
		snprintf(err, len, "ftruncate %s: %s", name, strerror(errno));
		close(fd);
		return NULL;
	}
	m = mmap(NULL, s->shm_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		snprintf(err, len, "mmap %s: %s", name, strerror(errno));
		return NULL;
	}
	return m;
}

/* Collective: every rank gets the same ok; the first that failed says. */
static int share_agree(struct pace_share *s, int ok, const char *err)
{
	MPI_Request req;
	int all = ok;

	MPI_Iallreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_LAND, s->comm, &req);
	share_wait(s, &req);
	if (!ok)
		fprintf(stderr, "libpirackpace: work sharing: %s\n", err);
	return all ? 0 : -1;
}

static int share_setup(struct pace_share *s, int rank, int size)
{
	char name[PACE_JOB_NAME_MAX + 32], err[PACE_JOB_NAME_MAX + 128] = "";
	MPI_Request req;
	size_t i;
	int ok;

	s->shm_bytes = sizeof(struct share_shm) +
		       (2 * (size_t)s->nrounds + 1) * sizeof(uint64_t);
	if (share_domains(s, rank, size) < 0)
		return share_agree(s, 0, "out of memory");
	/* The job's id (host:pid of its rank 0) and the domain's leader. */
	snprintf(name, sizeof(name), "/pirack-%s-%d", pace_job_id(s->pace),
		 s->leaders[s->dom_index]);
	for (i = 1; name[i]; i++)
		if (name[i] == '/')
			name[i] = '_';
	ok = 1;
	if (s->leader) {
		s->shm = share_map(s, name, true, err, sizeof(err));
		ok = s->shm != NULL;
		if (ok) {
			memset(s->shm, 0, s->shm_bytes);
			atomic_init(&s->shm->claim, 0);
			atomic_init(&s->shm->done, 0);
			atomic_init(&s->shm->item_us, 0);
			atomic_init(&s->shm->published, 0);
		}
	}
	if (share_agree(s, ok, err) < 0)
		return -1;
	if (!s->leader) {
		s->shm = share_map(s, name, false, err, sizeof(err));
		ok = s->shm != NULL;
	}
	/* Mapped everywhere: the name can go (nothing left if we crash). */
	if (share_agree(s, ok, err) < 0)
		return -1;
	if (s->leader)
		shm_unlink(name);
	s->cum = (uint64_t *)(s->shm + 1);
	s->lo = s->cum + s->nrounds + 1;
	if (s->ndom > 1) {
		MPI_Comm_idup(s->comm, &s->xcomm, &req);
		share_wait(s, &req);
	}
	/* Round 0 by what is known: the ranks and the pace at the start. */
	if (s->leader && s->nrounds > 0) {
		share_weigh(s, s->mine);
		share_exchange(s, 0);
		while (!share_testall(s))
			share_nap(SHARE_NAP_MAX_S / 5);
		s->pending = false;
		share_publish(s, 0);
		/* One domain: every round is its own at once. */
		while (s->posted + 1 < s->nrounds &&
		       (s->ndom == 1 || s->posted + 1 < SHARE_LOOKAHEAD))
			share_publish(s, ++s->posted);
	}
	/* The counters are set before anyone takes from them. */
	MPI_Ibarrier(s->comm, &req);
	share_wait(s, &req);
	if (s->leader && s->ndom > 1)
		pace_set_share_hook(s->pace, share_poll, s);
	/*
	 * Setting up was not work: a rank at pace 0.05 would otherwise
	 * sleep 19 times the set-up (and whatever the program did since
	 * pace_init) after its first item, and hold that item meanwhile.
	 */
	pace_idle(s->pace, 0);
	return 0;
}

static void share_free(struct pace_share *s)
{
	if (!s)
		return;
	if (s->shm)
		munmap(s->shm, s->shm_bytes);
	if (s->xcomm != MPI_COMM_NULL)
		MPI_Comm_free(&s->xcomm);
	free(s->reqs);
	free(s->leaders);
	free(s->weight);
	free(s->first);
	free(s->figs);
	free(s->rate);
	free(s->backlog);
	free(s->start);
	free(s);
}

int pace_share_init(struct pace_share **out, struct pace *p, uint64_t n)
{
	struct pace_share *s = calloc(1, sizeof(*s));
	MPI_Comm comm = pace_comm(p);
	MPI_Request req;
	int size, rank, ok;

	MPI_Comm_size(comm, &size);
	/* A domain per rank at most; rounds ~ 4 ln(n) + n / floor, bounded. */
	if (s) {
		s->pace = p;
		s->comm = comm;
		s->xcomm = MPI_COMM_NULL;
		s->start = calloc(SHARE_ROUNDS_MAX, sizeof(*s->start));
		s->weight = calloc(size + 1, sizeof(*s->weight));
		s->first = calloc(size + 1, sizeof(*s->first));
		s->figs = calloc(SHARE_FIGS * (size + 1), sizeof(*s->figs));
		s->rate = calloc(size + 1, sizeof(*s->rate));
		s->backlog = calloc(size + 1, sizeof(*s->backlog));
		s->reqs = calloc(2 * (size + 1), sizeof(*s->reqs));
		s->leaders = calloc(size + 1, sizeof(*s->leaders));
	}
	ok = s && s->start && s->weight && s->first && s->figs && s->rate &&
	     s->backlog && s->reqs && s->leaders;
	MPI_Iallreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, comm, &req);
	pace_wait(p, &req);
	if (!ok) {
		share_free(s);
		*out = NULL;
		return -1;
	}
	s->n = n;
	s->nrounds = pace_share_rounds(n, size, s->start, SHARE_ROUNDS_MAX);
	MPI_Comm_rank(comm, &rank);
	if (share_setup(s, rank, size) < 0) {
		share_free(s);
		*out = NULL;
		return -1;
	}
	*out = s;
	return 0;
}

int64_t pace_share_next(struct pace_share *s)
{
	struct share_shm *m = s->shm;
	double now = clock_s(), t0, nap = SHARE_NAP_MIN_S;
	uint64_t k;
	unsigned pub;

	if (s->holding) {
		double item_s = now - s->taken_at;

		atomic_fetch_add(&m->done, 1);
		atomic_fetch_add(&m->item_us, (uint64_t)(item_s * 1e6));
		s->holding = false;
	}
	if (s->nrounds == 0)
		return -1;
	k = atomic_fetch_add(&m->claim, 1);
	/*
	 * The leader looks at each item whether a split is due or asked
	 * for: at pace 1 it never sleeps (the other caller), and looking
	 * only when out of work made every round a barrier of the leaders
	 * (8x2 simulated rack: ranks waiting 42 % of the job).
	 */
	if (s->leader && s->ndom > 1)
		share_poll(s);
	t0 = now;
	for (;;) {
		pub = atomic_load_explicit(&m->published, memory_order_acquire);
		while (s->r < pub && k >= s->cum[s->r + 1])
			s->r++;
		if (s->r < pub) {
			now = clock_s();
			if (now - t0 > 1e-4) /* waited: not work */
				pace_idle(s->pace, now - t0);
			s->holding = true;
			s->taken_at = now;
			return (int64_t)(s->lo[s->r] + (k - s->cum[s->r]));
		}
		if (pub >= s->nrounds) {
			pace_idle(s->pace, clock_s() - t0);
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
	share_free(s);
}
