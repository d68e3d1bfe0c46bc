/* pace.c: libpirackpace's API: init, the step between chunks, sync, stats. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "clock.h"
#include "pace.h"
#include "pace_nap.h"
#include "pace_nodes.h"
#include "pace_share.h"
#include "pace_source.h"

#define PACE_JOB_MAX 64
/* Owed sleep below this is carried to the next step, not slept now. */
#define PACE_SLEEP_MIN_S 0.0002
/* Oversleeping is paid back, but never more than this in advance. */
#define PACE_CREDIT_MAX_S 0.01
/* Slice of a sleep between calls of the progress hook. */
#define PACE_PROGRESS_SLICE_S 0.001
/* A sleep's slice while the agent's reply to a request is awaited. */
#define PACE_REPLY_WATCH_S 0.002

struct pace {
	MPI_Comm comm;
	int rank, size;
	enum pace_mode mode;
	double refresh_s, min_pace;
	void (*progress)(void *arg);
	void *progress_arg;
	void (*share_hook)(void *arg); /* pace_share's exchange */
	void *share_arg;
	void (*on_wait)(void *arg, double waited_s);
	void *on_wait_arg;
	bool quiet, no_report;
	char job_name[PACE_JOB_MAX];
	char job_id[PACE_JOB_MAX];

	struct pace_src src;
	struct pace_nodes nodes;
	char node[PACE_NODE_MAX];

	struct pace_reading reading; /* last one */
	double read_at;		     /* monotonic s of it */
	double job_pace;	     /* uniform: the last synced minimum */
	double last;		     /* end of the previous step or sync */
	double owed;		     /* sleep still to take, s */
	double weighted;	     /* sum of busy * pace applied */
	double cpu0;		     /* process CPU time at init */
	uint64_t done, total;	     /* application progress */
	struct pace_stats st;
};

static double pace_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* $name as a number into *out (dflt when unset); -1 on junk, err said. */
static int pace_env_num(const char *name, double dflt, double *out, char *err,
			size_t errlen)
{
	const char *v = getenv(name);
	char *end;

	*out = dflt;
	if (!v || !*v)
		return 0;
	errno = 0;
	*out = strtod(v, &end);
	if (errno || *end || end == v || !isfinite(*out)) {
		snprintf(err, errlen, "%s='%.40s' is not a number", name, v);
		return -1;
	}
	return 0;
}

void pace_opts_default(struct pace_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = PACE_MODE_NODE;
}

static const char *const pace_mode_names[] = {
	[PACE_MODE_OFF] = "off",
	[PACE_MODE_UNIFORM] = "uniform",
	[PACE_MODE_NODE] = "node",
};

int pace_mode_parse(const char *word, enum pace_mode *mode)
{
	for (size_t i = 0; i < 3; i++) {
		if (word && strcmp(word, pace_mode_names[i]) == 0) {
			*mode = (enum pace_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *pace_mode_name(enum pace_mode mode)
{
	return mode <= PACE_MODE_NODE ? pace_mode_names[mode] : "?";
}

const char *pace_source_name(enum pace_source src)
{
	switch (src) {
	case PACE_SOURCE_AGENT:
		return "agent";
	case PACE_SOURCE_SYSFS:
		return "sysfs";
	default:
		return "none";
	}
}

/* Only the node's lead rank speaks: one warning per node, not per rank. */
static void pace_warn_pending(struct pace *p)
{
	char msg[PACE_SRC_WARN_MAX];

	if (!pace_src_warning(&p->src, msg, sizeof(msg)))
		return;
	if (!p->quiet && p->nodes.leader)
		fprintf(stderr, "%s: node %s: %s\n", p->job_name, p->node, msg);
}

static void pace_refresh(struct pace *p, double now)
{
	pace_src_read(&p->src, now, &p->reading);
	p->read_at = now;
	p->st.readings++;
	p->st.source = p->reading.source;
}

/*
 * The node's lead rank tells the agent how the job goes on this node:
 * the report line's JSON (malloc'd), NULL for the other ranks.
 */
static char *pace_report_json(struct pace *p, bool finished)
{
	double wall = p->st.busy_s + p->st.sleep_s + p->st.sync_s;
	cJSON *o;
	char *s;

	if (p->no_report || !p->nodes.leader ||
	    p->reading.source != PACE_SOURCE_AGENT)
		return NULL;
	o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "job", p->job_name);
	cJSON_AddStringToObject(o, "id", p->job_id);
	cJSON_AddStringToObject(o, "mode", pace_mode_name(p->mode));
	cJSON_AddNumberToObject(o, "ranks", p->nodes.ranks);
	cJSON_AddNumberToObject(o, "nodes", p->nodes.count);
	cJSON_AddNumberToObject(o, "chunks", (double)p->st.chunks);
	if (p->total)
		cJSON_AddNumberToObject(
		    o, "progress", round(1000.0 * p->done / p->total) / 1000.0);
	cJSON_AddNumberToObject(o, "pace",
				round(p->reading.pace * 1000) / 1000);
	cJSON_AddNumberToObject(
	    o, "busy",
	    wall > 0 ? round(p->st.busy_s / wall * 1000) / 1000 : 1.0);
	cJSON_AddBoolToObject(o, "done", finished);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* The report, waiting for the agent's answer (the job's start and end). */
static void pace_report(struct pace *p, double now, bool finished)
{
	char *s = pace_report_json(p, finished);

	if (s)
		pace_agent_report(&p->src.agent, now, s);
	free(s);
}

/*
 * Between chunks: the agent's reply if it came, and a new request (the
 * leader's report with it) once refresh_s has passed since the last:
 * the rank never waits for its agent here.
 */
static void pace_poll(struct pace *p, double now)
{
	bool fresh = pace_src_take(&p->src, now, &p->reading);
	char *report;

	if (now - p->read_at >= p->refresh_s && !pace_src_busy(&p->src)) {
		report = pace_report_json(p, false);
		fresh |= pace_src_ask(&p->src, now, report, &p->reading);
		free(report);
		p->read_at = now;
	}
	if (fresh) {
		p->st.readings++;
		p->st.source = p->reading.source;
		pace_warn_pending(p);
	}
}

static double pace_applied(const struct pace *p)
{
	double pace;

	switch (p->mode) {
	case PACE_MODE_UNIFORM:
		pace = p->job_pace;
		break;
	case PACE_MODE_NODE:
		pace = p->reading.pace;
		break;
	default:
		return 1.0;
	}
	return pace < p->min_pace ? p->min_pace : pace > 1 ? 1 : pace;
}

/*
 * The sleep left, owed at pace `was`, at pace `now`: each busy second
 * costs (1 - pace) / pace of sleep, so a node whose pace rose owes less
 * for the work already done (nothing at pace 1).
 */
static double pace_owed_at(double left, double was, double now)
{
	if (!(now > was) || !(left > 0))
		return left;
	return now >= 1 ? 0 : left * ((1 - now) / now) / ((1 - was) / was);
}

/*
 * Sleeps what the last chunks owe at the pace in force, and returns what
 * is still owed (negative: overslept). The pace is watched meanwhile, as
 * between chunks: a request once refresh_s has passed, its reply taken
 * when it comes. When the node's pace rises the rest is owed at the new
 * pace: one sample at a low pace (a job's start, a cut at the limit) must
 * not put the ranks to sleep for seconds after their node could take
 * the work again, 1 / min_pace times their last chunk.
 */
static double pace_sleep(struct pace *p, double secs)
{
	double now = clock_s(), end = now + secs, was = pace_applied(p);
	double left, slice, pace;
	struct timespec ts;
	bool hooked = p->progress || p->share_hook;

	while ((left = end - now) > 0) {
		/* until the next request is due, or its reply is watched for */
		slice = pace_src_busy(&p->src)
			    ? PACE_REPLY_WATCH_S
			    : p->read_at + p->refresh_s - now;
		if (hooked && slice > PACE_PROGRESS_SLICE_S)
			slice = PACE_PROGRESS_SLICE_S;
		if (slice < PACE_SLEEP_MIN_S)
			slice = PACE_SLEEP_MIN_S;
		if (slice > left)
			slice = left;
		ts.tv_sec = (time_t)slice;
		ts.tv_nsec = (long)((slice - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		if (p->progress)
			p->progress(p->progress_arg);
		if (p->share_hook)
			p->share_hook(p->share_arg);
		now = clock_s();
		pace_poll(p, now);
		pace = pace_applied(p);
		if (pace > was) {
			end = now + pace_owed_at(end - now, was, pace);
			was = pace;
		}
	}
	return end - now;
}

static int pace_setup(struct pace *p, MPI_Comm comm, const struct pace_opts *o,
		      char *err, size_t errlen)
{
	const char *sock = o->socket, *root = o->sysfs_root;
	double target, limit;

	if (o->mode > PACE_MODE_NODE || o->refresh_s < 0 || o->min_pace < 0 ||
	    o->min_pace > 1) {
		snprintf(err, errlen,
			 "bad options (mode, refresh_s, min_pace)");
		return -1;
	}
	p->comm = comm;
	MPI_Comm_rank(comm, &p->rank);
	MPI_Comm_size(comm, &p->size);
	p->mode = o->mode;
	p->refresh_s = o->refresh_s;
	if (p->refresh_s == 0 && pace_env_num("PIRACK_PACE_REFRESH_S", 1.0,
					      &p->refresh_s, err, errlen) < 0)
		return -1;
	if (!(p->refresh_s >= 0.001 && p->refresh_s <= 3600)) {
		snprintf(err, errlen,
			 "refresh period %g s out of range (0.001 to 3600; "
			 "PIRACK_PACE_REFRESH_S)",
			 p->refresh_s);
		return -1;
	}
	p->min_pace = o->min_pace > 0 ? o->min_pace : 0.05;
	p->progress = o->progress;
	p->progress_arg = o->progress_arg;
	p->on_wait = o->on_wait;
	p->on_wait_arg = o->on_wait_arg;
	p->quiet = o->quiet;
	p->no_report = o->no_report;
	snprintf(p->job_name, sizeof(p->job_name), "%s",
		 o->job_name ? o->job_name : "mpi");
	if (!sock || !*sock)
		sock = getenv("PIRACK_SOCKET");
	if (!sock || !*sock)
		sock = PACE_DEFAULT_SOCKET;
	if (!root || !*root)
		root = getenv("PIRACK_SYSFS_ROOT");
	if (!root || !*root)
		root = "/sys";
	target = o->target_c;
	limit = o->limit_c;
	if ((!target &&
	     pace_env_num("PIRACK_TARGET_C", 77, &target, err, errlen) < 0) ||
	    (!limit &&
	     pace_env_num("PIRACK_LIMIT_C", 80, &limit, err, errlen) < 0))
		return -1;
	if (!(limit > target)) {
		snprintf(err, errlen,
			 "limit %g C must be above target %g C "
			 "(PIRACK_LIMIT_C, PIRACK_TARGET_C)",
			 limit, target);
		return -1;
	}
	pace_src_init(&p->src, sock, root, target, limit);
	p->st.min_pace = 1.0;
	return 0;
}

int pace_init(struct pace **out, MPI_Comm comm, const struct pace_opts *opts)
{
	struct pace_opts dflt;
	struct pace *p = calloc(1, sizeof(*p));
	char host[64] = "", err[160] = "out of memory";
	MPI_Request req;
	int ok, mine;

	if (!opts) {
		pace_opts_default(&dflt);
		opts = &dflt;
	}
	if (p) /* not fd 0: the failure path below closes it */
		p->src.agent.fd = -1;
	ok = mine = p && pace_setup(p, comm, opts, err, sizeof(err)) == 0;
	/* Every rank decides alike, or the collectives below would hang. */
	MPI_Iallreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, comm, &req);
	pace_nap_wait(&req);
	if (!ok) {
		/* Said once, by the lowest rank that failed. */
		int rank, first;

		MPI_Comm_rank(comm, &rank);
		first = mine ? INT_MAX : rank;
		MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm);
		if (first == rank)
			fprintf(stderr, "%s: %s\n",
				opts->job_name ? opts->job_name
					       : "libpirackpace",
				err);
	}
	if (ok) {
		pace_refresh(p, clock_s());
		pace_nodes_name(p->reading.node, p->node, sizeof(p->node));
		ok = pace_nodes_build(&p->nodes, comm, p->node) == 0;
	}
	if (!ok) {
		if (p)
			pace_src_close(&p->src);
		free(p);
		*out = NULL;
		return -1;
	}
	if (p->rank == 0) {
		gethostname(host, sizeof(host) - 1);
		snprintf(p->job_id, sizeof(p->job_id), "%s:%ld", host,
			 (long)getpid());
	}
	MPI_Ibcast(p->job_id, sizeof(p->job_id), MPI_CHAR, 0, comm, &req);
	pace_nap_wait(&req);
	p->job_pace = p->reading.pace;
	if (p->mode == PACE_MODE_UNIFORM) {
		MPI_Iallreduce(MPI_IN_PLACE, &p->job_pace, 1, MPI_DOUBLE,
			       MPI_MIN, comm, &req);
		pace_nap_wait(&req);
	}
	pace_warn_pending(p);
	pace_report(p, clock_s(), false);
	p->last = clock_s();
	p->cpu0 = pace_cpu();
	*out = p;
	return 0;
}

double pace_step(struct pace *p)
{
	double now = clock_s(), busy = now - p->last, pace, t0;

	if (busy < 0)
		busy = 0;
	p->st.chunks++;
	p->st.busy_s += busy;
	pace_poll(p, now);
	pace = pace_applied(p);
	p->weighted += busy * pace;
	if (pace < p->st.min_pace)
		p->st.min_pace = pace;
	/* Carrying the debt keeps the pace exact over many short chunks. */
	p->owed += busy * (1 - pace) / pace;
	if (p->owed >= PACE_SLEEP_MIN_S) {
		t0 = clock_s();
		p->owed = pace_sleep(p, p->owed);
		p->st.sleep_s += clock_s() - t0;
		if (p->owed < -PACE_CREDIT_MAX_S)
			p->owed = -PACE_CREDIT_MAX_S;
	}
	p->last = clock_s();
	return pace;
}

double pace_sync(struct pace *p)
{
	double t0 = clock_s();
	MPI_Request req;

	if (p->mode != PACE_MODE_UNIFORM)
		return pace_applied(p);
	/* The time since the last step is work too (the round's last chunk). */
	p->st.busy_s += t0 - p->last;
	p->weighted += (t0 - p->last) * pace_applied(p);
	p->job_pace = p->reading.pace;
	MPI_Iallreduce(MPI_IN_PLACE, &p->job_pace, 1, MPI_DOUBLE, MPI_MIN,
		       p->comm, &req);
	pace_wait(p, &req);
	p->last = clock_s();
	return pace_applied(p);
}

void pace_wait(struct pace *p, MPI_Request *req)
{
	p->st.sync_s += pace_nap_wait_hook(req, p->on_wait, p->on_wait_arg);
}

void pace_set_share_hook(struct pace *p, void (*fn)(void *), void *arg)
{
	p->share_hook = fn;
	p->share_arg = arg;
}

MPI_Comm pace_comm(const struct pace *p)
{
	return p->comm;
}

const char *pace_job_id(const struct pace *p)
{
	return p->job_id;
}

double pace_current(const struct pace *p)
{
	return pace_applied(p);
}

void pace_idle(struct pace *p, double secs)
{
	/* The wait is over now: the next busy stretch starts here. */
	p->st.sync_s += secs > 0 ? secs : 0;
	p->last = clock_s();
}

void pace_progress(struct pace *p, uint64_t done, uint64_t total)
{
	p->done = done;
	p->total = total;
}

void pace_read(struct pace *p, struct pace_reading *r)
{
	pace_refresh(p, clock_s());
	if (p->reading.source == PACE_SOURCE_AGENT)
		pace_agent_throttle(&p->src.agent, clock_s(),
				    &p->reading.throttle_raw);
	pace_warn_pending(p);
	*r = p->reading;
}

void pace_get_stats(const struct pace *p, struct pace_stats *st)
{
	*st = p->st;
	st->agent_failures = p->src.agent.failures;
	st->cpu_s = pace_cpu() - p->cpu0;
	st->mean_pace =
	    p->st.busy_s > 0 ? p->weighted / p->st.busy_s : pace_applied(p);
}

const char *pace_node_name(const struct pace *p)
{
	return p->node;
}

int pace_node_index(const struct pace *p)
{
	return p->nodes.index;
}

int pace_node_count(const struct pace *p)
{
	return p->nodes.count;
}

int pace_node_ranks(const struct pace *p)
{
	return p->nodes.ranks;
}

bool pace_node_leader(const struct pace *p)
{
	return p->nodes.leader;
}

const char *pace_node_name_of(const struct pace *p, int i)
{
	return i >= 0 && i < p->nodes.count ? p->nodes.names[i] : "";
}

void pace_finalize(struct pace *p)
{
	if (!p)
		return;
	pace_report(p, clock_s(), true);
	pace_src_close(&p->src);
	pace_nodes_free(&p->nodes);
	free(p);
}
