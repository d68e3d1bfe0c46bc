/* stall.h: a watched wait: who a stalled job waits for, and a time limit. */
#ifndef PIRACK_STALL_H
#define PIRACK_STALL_H

#include <mpi.h>
#include <stdbool.h>
#include "pace.h"

#define STALL_NAME_MAX 160
#define STALL_WHO_MAX 512
/* Exit status of a job given up on (MPI_Abort's errorcode). */
#define STALL_EXIT 3
/* stall_expect() peers that are not a rank. */
#define STALL_ANY (-1)	    /* a collective: found by a roll call */
#define STALL_ARRIVALS (-2) /* the ranks that did not stall_arrive() yet */

/*
 * A rank that waits (pace_wait(), with stall_on_wait() as pace's on_wait
 * hook) and sees no progress for warn_s says which rank, node and host it
 * waits for; after limit_s it says so again and ends the job (MPI_Abort,
 * STALL_EXIT). A wait that completes after the warning says so too (a
 * link that came back). Nothing is sent while nobody stalls, except the
 * arrivals of stall_arrive() (one empty message to every other rank).
 */
struct stall {
	MPI_Comm comm; /* a dup of the job's: its own message space */
	int rank, size;
	const char *prog;
	double warn_s, limit_s;	       /* limit_s 0: wait forever */
	char (*names)[STALL_NAME_MAX]; /* "rank R on node N (host H)" */
	bool named, dup;	       /* names gathered; comm duplicated */
	/* The current wait. */
	int peer;
	const char *what;
	double waited_s;	 /* without the time this rank did not run */
	double seen_s, frozen_s; /* last on_wait call; time not run */
	double rollcall_at;	 /* when this wait called the roll */
	unsigned any_seq;	 /* collective waits so far: roll call tag */
	bool rollcall, warned;
	char who[STALL_WHO_MAX]; /* as warned about */
	/* stall_arrive() and roll calls: receives from every other rank,
	 * then sends. */
	MPI_Request *arrivals;
	bool *arrived;
	/* Roll call messages sent to and received from each rank: every
	 * one is received by stall_close(), answered or not. */
	unsigned *rolls_sent, *rolls_got;
	bool closing; /* in stall_close(): no more roll calls */
};

/*
 * The warning and the limit for --stall-s limit_s (0: forever) and chunks
 * that may take chunk_s: never less than one chunk at the lowest pace
 * (slack_s), so that a slow chunk is not a stall. Pure.
 */
void stall_limits(double limit_s, double slack_s, double *warn_s,
		  double *limit_eff);

/*
 * Collective over comm, before the job's work (blocking): names every
 * rank after its node ($PIRACK_NODE, else the host) and host. 0, or -1
 * on every rank (out of memory, said on stderr).
 */
int stall_init(struct stall *s, MPI_Comm comm, const char *prog, double limit_s,
	       double slack_s);
void stall_free(struct stall *s);

/*
 * Collective over comm, the job's work done (before stall_free and
 * MPI_Finalize): receives the roll calls that no wait of this rank
 * answered (it did not wait long in that collective), so that no message
 * is left unreceived at MPI_Finalize (MPICH's UCX then prints a warning
 * per message to stdout, into the program's output). Waits with
 * pace_wait(p), watched.
 */
void stall_close(struct stall *s, struct pace *p);

/* Before a wait: what it waits for (a rank, STALL_ANY, STALL_ARRIVALS). */
void stall_expect(struct stall *s, int peer, const char *what);

/* pace_opts.on_wait: arg a struct stall (ignored before stall_init). */
void stall_on_wait(void *arg, double waited_s);

/* After the wait: "going on" when it had warned. */
void stall_done(struct stall *s);

/* The three above around pace_wait(p, req). */
void stall_wait(struct stall *s, struct pace *p, MPI_Request *req, int peer,
		const char *what);

/*
 * Before a barrier: tells every other rank this one arrived, so that a
 * rank stalled in it can name the ranks that did not. After the barrier,
 * stall_arrived() completes the messages. Local (nonblocking).
 */
int stall_arrive(struct stall *s);
void stall_arrived(struct stall *s);

/* MPI_Barrier, watched: a rank that never arrives is named. */
void stall_barrier(struct stall *s, struct pace *p, const char *what);

#endif
