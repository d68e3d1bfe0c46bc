/* pace.h: libpirackpace, thermal pacing for MPI programs (libpirackpace(3)). */
#ifndef PIRACK_PACE_H
#define PIRACK_PACE_H

/*
 * A program calls pace_step() between chunks of work; the library sleeps
 * just enough to hold the rank at the pace its node allows. The pace comes
 * from the node's agent (pirackd's control socket, "pace" request, at most
 * once per refresh period); without an agent the library reads sysfs and
 * runs the agent's own controller; without a readable temperature it runs
 * at pace 1 after one warning. It never blocks the job: every socket
 * operation has a deadline and a bad reply counts as "no agent".
 *
 * Link: -lpirackpace -lcjson -lm, with mpicc.
 */
#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>
#include "pace_reading.h"

#define PACE_DEFAULT_SOCKET "/run/pirack/agent.sock"

enum pace_mode {
	PACE_MODE_OFF,	   /* never sleeps; still reports and reads */
	PACE_MODE_UNIFORM, /* every rank at the lowest pace of the job */
	PACE_MODE_NODE,	   /* each node at its own pace */
};

struct pace_opts {
	enum pace_mode mode;
	double refresh_s; /* s between readings; 0: $PIRACK_PACE_REFRESH_S, 1 */
	const char *socket;	/* NULL: $PIRACK_SOCKET, else the default */
	const char *sysfs_root; /* NULL: $PIRACK_SYSFS_ROOT, else /sys */
	const char *job_name;	/* reported to the agent; NULL: "mpi" */
	/*
	 * Controller band without an agent; 0: $PIRACK_TARGET_C and
	 * $PIRACK_LIMIT_C, else the agent's defaults 77 and 80.
	 */
	double target_c, limit_c;
	/*
	 * The lowest pace applied (0: 0.05), so a node held at its limit
	 * still finishes its work eventually; the firmware's own throttle
	 * remains the last line of defence.
	 */
	double min_pace;
	/*
	 * Called about every millisecond while the rank sleeps: a rank that
	 * is the target of passive one-sided operations (an MPI_Fetch_and_op
	 * counter) keeps MPICH's progress engine turning. May be NULL.
	 */
	void (*progress)(void *arg);
	void *progress_arg;
	/*
	 * Called between tests while pace_wait() (or pace_sync()) waits,
	 * with the seconds waited so far: a watchdog that says who a
	 * stalled job waits for (mpi/stall.c). May be NULL.
	 */
	void (*on_wait)(void *arg, double waited_s);
	void *on_wait_arg;
	bool quiet;	/* no warnings on stderr (errors still) */
	bool no_report; /* a monitor, not a job: no "report" */
};

/* This rank's account since pace_init(). */
struct pace_stats {
	uint64_t chunks;	 /* pace_step() calls */
	double busy_s;		 /* time between steps, i.e. working */
	double sleep_s;		 /* time slept to hold the pace */
	double sync_s;		 /* time in pace_sync() and pace_wait() */
	double cpu_s;		 /* CPU time of the process since init */
	double mean_pace;	 /* pace applied, weighted by busy time */
	double min_pace;	 /* lowest pace applied */
	uint64_t readings;	 /* refreshes of the pace */
	uint64_t agent_failures; /* agent requests that failed */
	enum pace_source source; /* of the last reading */
};

struct pace;

/* Defaults: mode node, everything else from the environment. */
void pace_opts_default(struct pace_opts *o);

/* "uniform", "node", "off" -> mode; 0, or -1 on anything else. */
int pace_mode_parse(const char *word, enum pace_mode *mode);
const char *pace_mode_name(enum pace_mode mode);
const char *pace_source_name(enum pace_source src);

/*
 * Collective over comm: takes a first reading on every rank and groups the
 * ranks into nodes by $PIRACK_NODE, else the agent's node name, else
 * MPI_Get_processor_name(). 0, or -1 with *out NULL (bad options or out
 * of memory; every rank returns the same; the lowest failing rank says why
 * on stderr).
 */
int pace_init(struct pace **out, MPI_Comm comm, const struct pace_opts *opts);

/*
 * Local: call after each chunk of work. The time since the previous step
 * (or init, or sync) counts as busy; the rank then sleeps busy*(1-p)/p at
 * the current pace p, refreshing p first when the refresh period passed.
 * Returns the pace applied.
 */
double pace_step(struct pace *p);

/*
 * Collective over the init communicator in uniform mode (local in the
 * others): combines the ranks' paces to the job's lowest. Call it at
 * round boundaries, every rank the same number of times.
 */
double pace_sync(struct pace *p);

/*
 * MPI_Wait() for an idle rank: tests req, napping between tests, so that a
 * rank waiting for others does not heat its node (MPICH's blocking calls
 * poll at full speed). The time counts as sync_s. Local, but it drives
 * MPI progress (e.g. for a window this rank is the target of).
 */
void pace_wait(struct pace *p, MPI_Request *req);

/*
 * Node mode's work sharing (libpirackpace(3), WORK SHARING): items 0 to
 * n - 1, each handed to exactly one rank, cooler and faster nodes taking
 * more, no rank ever waiting for another one's progress. The node's ranks
 * take items from a counter in shared memory; the nodes split the items
 * in rounds by their measured rates.
 *
 * pace_share_init: collective over the pace's communicator; 0, or -1 (out
 * of memory, the same on every rank). pace_share_next: local; the next
 * item of this rank, or -1 when there is none left (then call
 * pace_share_end); call pace_step() after each item as usual. The time
 * between two calls counts as this rank working on its item.
 * pace_share_end: collective; waits for the others without heating the
 * node (pace_wait), frees s.
 */
struct pace_share;
int pace_share_init(struct pace_share **s, struct pace *p, uint64_t n);
int64_t pace_share_next(struct pace_share *s);
void pace_share_end(struct pace_share *s);

/* Application progress in the job report: done of total units. */
void pace_progress(struct pace *p, uint64_t done, uint64_t total);

/*
 * A fresh reading now, ignoring the refresh period, with the firmware's
 * get_throttled word (from the agent: one more request, "status"). Local.
 */
void pace_read(struct pace *p, struct pace_reading *r);

void pace_get_stats(const struct pace *p, struct pace_stats *st);

/* The node grouping made by pace_init(); nodes are sorted by name. */
const char *pace_node_name(const struct pace *p);
int pace_node_index(const struct pace *p);
int pace_node_count(const struct pace *p);
int pace_node_ranks(const struct pace *p);   /* ranks on this node */
bool pace_node_leader(const struct pace *p); /* lowest rank on it */
/* Name of node index i (0 <= i < pace_node_count). */
const char *pace_node_name_of(const struct pace *p, int i);

/* Local: a last report to the agent, closes the socket, frees p. */
void pace_finalize(struct pace *p);

#endif
