/* stall.c: a watched wait: who a stalled job waits for, and a time limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "abort.h"
#include "stall.h"

/* The first warning comes this soon, or at half the limit if shorter. */
#define STALL_WARN_S 5.0
/* Ranks named in one message; the others are counted. */
#define STALL_NAMES_SHOWN 4
#define STALL_TAG_ARRIVE 1
/* Roll calls: one tag per collective wait, cycling below MPI's minimum UB. */
#define STALL_TAG_ROLL 100
#define STALL_TAG_ROLLS 30000

void stall_limits(double limit_s, double slack_s, double *warn_s,
		  double *limit_eff)
{
	double warn = STALL_WARN_S;

	if (limit_s > 0 && limit_s / 2 < warn)
		warn = limit_s / 2;
	*warn_s = warn > slack_s ? warn : slack_s;
	*limit_eff =
	    limit_s > 0 && limit_s < 2 * slack_s ? 2 * slack_s : limit_s;
}

/* Rank r as named by stall_init(), or by number until it did. */
static const char *stall_name(const struct stall *s, int r, char *buf,
			      size_t len)
{
	if (s->named)
		return s->names[r];
	snprintf(buf, len, "rank %d", r);
	return buf;
}

int stall_init(struct stall *s, MPI_Comm comm, const char *prog, double limit_s,
	       double slack_s)
{
	char host[64] = "", mine[STALL_NAME_MAX];
	const char *node = getenv("PIRACK_NODE");
	int ok;

	memset(s, 0, sizeof(*s));
	s->prog = prog;
	s->peer = STALL_ANY;
	stall_limits(limit_s, slack_s, &s->warn_s, &s->limit_s);
	MPI_Comm_rank(comm, &s->rank);
	MPI_Comm_size(comm, &s->size);
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "?");
	/* libpirackpace's node names, but for the agent's own. */
	if (!node || !*node || strcmp(node, host) == 0)
		snprintf(mine, sizeof(mine), "rank %d on node %s", s->rank,
			 host);
	else
		snprintf(mine, sizeof(mine), "rank %d on node %.64s (host %s)",
			 s->rank, node, host);
	s->names = calloc(s->size, sizeof(*s->names));
	s->arrivals = calloc(2 * (size_t)s->size, sizeof(*s->arrivals));
	s->arrived = calloc(s->size, sizeof(*s->arrived));
	s->rolls_sent = calloc(s->size, sizeof(*s->rolls_sent));
	s->rolls_got = calloc(s->size, sizeof(*s->rolls_got));
	ok = s->names && s->arrivals && s->arrived && s->rolls_sent &&
	     s->rolls_got;
	MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, comm);
	if (!ok) {
		fprintf(stderr, "%s: rank %d: out of memory for %d ranks\n",
			prog, s->rank, s->size);
		stall_free(s);
		return -1;
	}
	for (int r = 0; r < 2 * s->size; r++)
		s->arrivals[r] = MPI_REQUEST_NULL;
	MPI_Comm_dup(comm, &s->comm);
	s->dup = true;
	MPI_Allgather(mine, STALL_NAME_MAX, MPI_CHAR, s->names, STALL_NAME_MAX,
		      MPI_CHAR, comm);
	s->named = true;
	return 0;
}

void stall_free(struct stall *s)
{
	if (s->dup)
		MPI_Comm_free(&s->comm);
	free(s->names);
	free(s->arrivals);
	free(s->arrived);
	free(s->rolls_sent);
	free(s->rolls_got);
	memset(s, 0, sizeof(*s));
}

static void stall_reset(struct stall *s, int peer, const char *what)
{
	s->peer = peer;
	s->what = what;
	s->waited_s = s->seen_s = s->frozen_s = s->rollcall_at = 0;
	s->warned = false;
}

void stall_expect(struct stall *s, int peer, const char *what)
{
	stall_reset(s, peer, what);
	/* Every rank waits in the job's collectives in the same order. */
	if (peer == STALL_ANY)
		s->any_seq++;
}

/*
 * A collective gives no clue who is missing: every rank that waits in it
 * long says "here" to all others, and the ranks not heard from are the
 * ones the job waits for.
 */
static void stall_rollcall(struct stall *s)
{
	static char none;
	int tag = STALL_TAG_ROLL + (int)(s->any_seq % STALL_TAG_ROLLS), r;

	for (r = 0; r < s->size; r++) {
		s->arrived[r] = r == s->rank;
		if (r == s->rank)
			continue;
		MPI_Irecv(&none, 0, MPI_BYTE, r, tag, s->comm, &s->arrivals[r]);
		MPI_Isend(&none, 0, MPI_BYTE, r, tag, s->comm,
			  &s->arrivals[s->size + r]);
		s->rolls_sent[r]++;
	}
	s->rollcall = true;
}

/*
 * The wait is over: answers not come are not awaited (stall_close()
 * receives them), the ones come are counted.
 */
static void stall_rollcall_end(struct stall *s)
{
	MPI_Status st;
	int r, cancelled;

	for (r = 0; r < s->size; r++) {
		if (r == s->rank)
			continue;
		cancelled = 0;
		if (s->arrivals[r] != MPI_REQUEST_NULL) {
			MPI_Cancel(&s->arrivals[r]);
			MPI_Wait(&s->arrivals[r], &st);
			MPI_Test_cancelled(&st, &cancelled);
		}
		if (!cancelled)
			s->rolls_got[r]++;
		if (s->arrivals[s->size + r] != MPI_REQUEST_NULL)
			MPI_Request_free(&s->arrivals[s->size + r]);
	}
	s->rollcall = false;
}

/*
 * Who this rank waits for, into s->who; false when another rank says it
 * (a barrier: the lowest rank that arrived speaks for all).
 */
static bool stall_who(struct stall *s)
{
	int missing = 0, speaker = s->rank, flag, r;
	size_t len = 0;
	char buf[32];

	if (s->peer >= 0 && s->peer < s->size) {
		snprintf(s->who, sizeof(s->who), "%s",
			 stall_name(s, s->peer, buf, sizeof(buf)));
		return true;
	}
	if (s->peer != STALL_ARRIVALS && !s->rollcall) {
		snprintf(s->who, sizeof(s->who), "another rank of the job");
		return true;
	}
	s->who[0] = '\0';
	for (r = 0; r < s->size; r++) {
		if (r == s->rank)
			continue;
		if (!s->arrived[r]) {
			MPI_Test(&s->arrivals[r], &flag, MPI_STATUS_IGNORE);
			s->arrived[r] = flag;
		}
		if (s->arrived[r]) {
			if (r < speaker)
				speaker = r;
			continue;
		}
		if (missing++ < STALL_NAMES_SHOWN && len < sizeof(s->who))
			len += snprintf(s->who + len, sizeof(s->who) - len,
					"%s%s", missing > 1 ? ", " : "",
					stall_name(s, r, buf, sizeof(buf)));
	}
	if (missing > STALL_NAMES_SHOWN && len < sizeof(s->who))
		snprintf(s->who + len, sizeof(s->who) - len, " and %d more",
			 missing - STALL_NAMES_SHOWN);
	if (missing == 0)
		snprintf(s->who, sizeof(s->who), "%s",
			 s->rollcall ? "MPI (every rank answered)"
				     : "the barrier (every rank arrived)");
	return speaker == s->rank;
}

void stall_on_wait(void *arg, double waited_s)
{
	struct stall *s = arg;
	const char *what, *me;
	char buf[32];
	bool speak;

	if (!s || s->size == 0)
		return;
	/*
	 * Calls come every few ms; a long gap means this rank itself did not
	 * run (stopped, or starved): that is not the peer's stall.
	 */
	if (waited_s - s->seen_s > s->warn_s / 2)
		s->frozen_s += waited_s - s->seen_s;
	s->seen_s = waited_s;
	waited_s -= s->frozen_s;
	s->waited_s = waited_s;
	if (waited_s < s->warn_s ||
	    (s->warned && (s->limit_s == 0 || waited_s < s->limit_s)))
		return;
	/* A collective: call the roll, give the answers a moment. */
	if (s->peer == STALL_ANY && s->named && !s->rollcall && !s->closing) {
		stall_rollcall(s);
		s->rollcall_at = waited_s;
		return;
	}
	if (s->rollcall && !s->warned &&
	    waited_s < s->rollcall_at + s->warn_s / 2)
		return;
	speak = stall_who(s);
	what = s->what ? s->what : "a collective";
	me = stall_name(s, s->rank, buf, sizeof(buf));
	if (!s->warned) {
		s->warned = true;
		if (speak)
			fprintf(stderr,
				"%s: %s: no progress for %.1f s, waiting for "
				"%s (%s)\n",
				s->prog, me, waited_s, s->who, what);
		return;
	}
	/*
	 * The speaker ends the job with its message; the others give it
	 * time to (and end it themselves if it stalled too).
	 */
	if (!speak && waited_s < 2 * s->limit_s)
		return;
	fprintf(stderr,
		"%s: %s: giving up after %.1f s without progress, waiting for "
		"%s (%s; limit --stall-s %g)\n",
		s->prog, me, waited_s, s->who, what, s->limit_s);
	abort_job(MPI_COMM_WORLD, STALL_EXIT);
}

void stall_done(struct stall *s)
{
	char buf[32];

	if (s->size && s->warned && stall_who(s))
		fprintf(stderr, "%s: %s: going on after %.1f s waiting (%s)\n",
			s->prog, stall_name(s, s->rank, buf, sizeof(buf)),
			s->waited_s, s->what ? s->what : "a collective");
	if (s->rollcall)
		stall_rollcall_end(s);
	stall_reset(s, STALL_ANY, NULL);
}

void stall_wait(struct stall *s, struct pace *p, MPI_Request *req, int peer,
		const char *what)
{
	stall_expect(s, peer, what);
	pace_wait(p, req);
	stall_done(s);
}

int stall_arrive(struct stall *s)
{
	static char none;
	int r;

	for (r = 0; r < s->size; r++) {
		s->arrived[r] = r == s->rank;
		if (r == s->rank)
			continue;
		MPI_Irecv(&none, 0, MPI_BYTE, r, STALL_TAG_ARRIVE, s->comm,
			  &s->arrivals[r]);
		MPI_Isend(&none, 0, MPI_BYTE, r, STALL_TAG_ARRIVE, s->comm,
			  &s->arrivals[s->size + r]);
	}
	return 0;
}

void stall_arrived(struct stall *s)
{
	/* One by one: gcc 12 misreads MPICH's MPI_Waitall annotation. */
	for (int r = 0; r < 2 * s->size; r++)
		MPI_Wait(&s->arrivals[r], MPI_STATUS_IGNORE);
}

void stall_close(struct stall *s, struct pace *p)
{
	static char none;
	MPI_Request req;
	unsigned *owed;
	int r;

	if (!s->dup)
		return;
	s->closing = true;
	owed = calloc(s->size, sizeof(*owed));
	if (!owed) {
		fprintf(stderr, "%s: rank %d: out of memory at the end\n",
			s->prog, s->rank);
		abort_job(MPI_COMM_WORLD, 1);
	}
	/* How many roll calls each rank sent to this one. */
	MPI_Ialltoall(s->rolls_sent, 1, MPI_UNSIGNED, owed, 1, MPI_UNSIGNED,
		      s->comm, &req);
	stall_wait(s, p, &req, STALL_ANY, "the end of the job");
	/* Only roll calls are left on the comm: the arrivals were waited
	 * for (stall_arrived). */
	for (r = 0; r < s->size; r++)
		for (; s->rolls_got[r] < owed[r]; s->rolls_got[r]++) {
			MPI_Irecv(&none, 0, MPI_BYTE, r, MPI_ANY_TAG, s->comm,
				  &req);
			stall_wait(s, p, &req, r, "the end of the job");
		}
	free(owed);
}

void stall_barrier(struct stall *s, struct pace *p, const char *what)
{
	MPI_Request req;

	stall_arrive(s);
	MPI_Ibarrier(s->comm, &req);
	stall_wait(s, p, &req, STALL_ARRIVALS, what);
	stall_arrived(s);
}
